// SPDX-License-Identifier: GPL-2.0-only
/*
 * The suite table. A suite is one file defining a struct suite; add it here
 * and to CMakeLists.txt. suites= runs the listed ones in the order given.
 */
#include "guest.h"

extern const struct suite suite_pci, suite_irq, suite_exits, suite_memory;
extern const struct suite suite_edu, suite_nvme;
extern const struct suite suite_virtio_net;

static const struct suite *const suites[] = {
	&suite_pci,
	&suite_irq,
	&suite_exits,
	&suite_memory,
	&suite_edu,
	&suite_nvme,
	&suite_virtio_net,
};

static void suite_run(const struct suite *s)
{
	test_context(s->name);
	s->run();
	test_end();		/* a suite that left a test open */
	test_context("boot");
}

void suites_run(void)
{
	const char *v, *end;
	unsigned int i;
	size_t len;

	if (!cmdline_get("suites", &v, &len)) {
		for (i = 0; i < ARRAY_SIZE(suites); i++)
			if (suites[i]->by_default)
				suite_run(suites[i]);
		return;
	}
	for (end = v + len; v < end; v++) {
		char name[32];
		size_t n;

		for (n = 0; v + n < end && v[n] != ','; n++)
			;
		for (i = 0; i < ARRAY_SIZE(suites); i++)
			if (strlen(suites[i]->name) == n &&
			    !strncmp(suites[i]->name, v, n))
				break;
		if (i < ARRAY_SIZE(suites)) {
			suite_run(suites[i]);
		} else if (n) {
			if (n >= sizeof(name))
				n = sizeof(name) - 1;
			memcpy(name, v, n);
			name[n] = '\0';
			test_result_fail(name, "unknown suite");
		}
		v += n;
	}
}
