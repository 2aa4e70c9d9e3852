// SPDX-License-Identifier: GPL-2.0-only
/*
 * A VM control socket's request line (orch/control.c) on any bytes, framed
 * as the VMM frames it (up to the first newline, without a trailing CR). A
 * request the VMM would act on is a word of lower-case letters only, and it
 * is exactly what the line said: a bare word equal to the line, or the JSON
 * string itself (no NUL in it, nothing cut off).
 */
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "orch/orch_impl.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[4096], word[32];
	size_t len = size < sizeof(line) - 1 ? size : sizeof(line) - 1;

	memcpy(line, data, len);
	line[len] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	memset(word, 'x', sizeof(word));
	if (!orch_control_request(line, word, sizeof(word)))
		return 0;
	len = strnlen(word, sizeof(word));
	FUZZ_CHECK(len > 0 && len < sizeof(word));
	FUZZ_CHECK(strspn(word, "abcdefghijklmnopqrstuvwxyz") == len);
	if (line[0] != '{') {
		FUZZ_CHECK(!strcmp(word, line));
	} else {
		json_object *o = json_tokener_parse(line), *r;

		FUZZ_CHECK(o && json_object_object_get_ex(o, "request", &r));
		FUZZ_CHECK((size_t)json_object_get_string_len(r) == len &&
			   !memcmp(json_object_get_string(r), word, len));
		json_object_put(o);
	}
	return 0;
}
