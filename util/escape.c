// SPDX-License-Identifier: GPL-2.0-only
/*
 * Refused input printed back safely: a name with a newline or an ESC in it
 * would otherwise forge a second line of output or drive the terminal.
 */
#include <stdio.h>

#include "iopass/util.h"

const char *str_escape(const char *s, char *buf, size_t len)
{
	size_t k = 0;

	if (!len)
		return buf;
	for (; s && *s && k + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\') {
			buf[k++] = '\\';
			buf[k++] = '\\';
		} else if (c == '\n' || c == '\t' || c == '\r') {
			buf[k++] = '\\';
			buf[k++] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
		} else if (c < 0x20 || c >= 0x7f) {
			k += (size_t)snprintf(buf + k, len - k, "\\x%02x", c);
		} else {
			buf[k++] = (char)c;
		}
	}
	if (s && *s && k + 4 <= len) {	/* cut short: say so */
		buf[k++] = '.';
		buf[k++] = '.';
		buf[k++] = '.';
	}
	buf[k] = '\0';
	return buf;
}

bool str_printable(const char *s, size_t max)
{
	size_t n = 0;

	for (; s && *s; s++, n++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return s && n > 0 && n <= max;
}

bool str_name_valid(const char *s, size_t max)
{
	size_t n = 0;

	if (!s || !*s || *s == '-')
		return false;
	for (; *s; s++, n++) {
		char c = *s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return n <= max;
}

size_t utf8_valid_len(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned char c = u[i];
		size_t n = (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 :
			   (c & 0xf8) == 0xf0 ? 3 : 0;
		unsigned int cp = n == 1 ? c & 0x1f : n == 2 ? c & 0x0f : c & 0x07;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (!n || i + n >= len)
			return i;	/* not a lead byte, or cut short */
		for (size_t k = 1; k <= n; k++) {
			if ((u[i + k] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (u[i + k] & 0x3f);
		}
		/* Overlong forms, surrogates and beyond U+10FFFF are not UTF-8. */
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += n + 1;
	}
	return len;
}

void str_vline(char *buf, size_t len, const char *fmt, va_list ap)
{
	char raw[4096];
	size_t k = 0;

	vsnprintf(raw, sizeof(raw), fmt, ap);
	for (const char *s = raw; *s && k + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;

		/* A newline before two blanks is iopass's own continuation
		 * line (a log tail): input that forges one still cannot begin
		 * a line of its own. */
		if (c == '\n' && s[1] == ' ' && s[2] == ' ')
			buf[k++] = '\n';
		else if (c < 0x20 || c == 0x7f)
			k += (size_t)snprintf(buf + k, len - k, c == '\n' ? "\\n" : "\\x%02x", c);
		else
			buf[k++] = (char)c;
	}
	if (len)
		buf[k < len ? k : len - 1] = '\0';
}
