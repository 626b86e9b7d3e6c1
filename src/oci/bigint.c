/* bigint.c — integers above INT64_MAX, which jansson cannot hold (json_int_t is long long).
 *
 * uint64 fields of the spec (rlimits at RLIM_INFINITY, seccomp argument values, limits) may be written
 * as 18446744073709551615. When jansson reports a numeric overflow, spec_parse retries on a copy of the
 * text in which each such literal outside strings became the string "\u0001u64:<digits>"; the unsigned
 * getters of parse_util.c read it back and every other getter reports it as an integer out of range.
 */
#include "oci/parse.h"

#include <stdlib.h>
#include <string.h>

/* The rewritten literal: "\u0001u64:<digits>" — MARKER_SRC, the digits, a closing quote. */
#define MARKER_SRC "\"\\u0001u64:"
#define MARKER_LEN (sizeof(MARKER_SRC) - 1)

static bool above_int64(const char *d, size_t n)
{
	static const char max[] = "9223372036854775807";
	while (n > 1 && *d == '0') {
		d++;
		n--;
	}
	if (n != strlen(max))
		return n > strlen(max);
	return memcmp(d, max, n) > 0;
}

char *bigint_rewrite(const char *text, size_t len, size_t *out_len)
{
	char *out = NULL;
	size_t cap = 0, olen = 0, copied = 0; /* text[0..copied) is already in out */
	bool in_str = false;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
			continue;
		}
		if (c < '0' || c > '9' || (i > 0 && (text[i - 1] == '-' || text[i - 1] == '.' ||
						     (text[i - 1] >= '0' && text[i - 1] <= '9') || text[i - 1] == 'e' ||
						     text[i - 1] == 'E' || text[i - 1] == '+')))
			continue;
		size_t j = i;
		while (j < len && text[j] >= '0' && text[j] <= '9')
			j++;
		bool plain = j == len || !strchr(".eE", text[j]);
		if (plain && above_int64(text + i, j - i)) {
			size_t need = olen + (i - copied) + (j - i) + 16;
			if (need > cap) {
				cap = need * 2 + len;
				out = xrealloc(out, cap);
			}
			memcpy(out + olen, text + copied, i - copied);
			olen += i - copied;
			memcpy(out + olen, MARKER_SRC, MARKER_LEN);
			olen += MARKER_LEN;
			memcpy(out + olen, text + i, j - i);
			olen += j - i;
			out[olen++] = '"';
			copied = j;
		}
		i = j - 1;
	}
	if (!out)
		return NULL;
	out = xrealloc(out, olen + (len - copied) + 1);
	memcpy(out + olen, text + copied, len - copied);
	olen += len - copied;
	out[olen] = 0;
	*out_len = olen;
	return out;
}

int bigint_column_shift(const char *rewritten, size_t pos)
{
	size_t start = pos;
	while (start > 0 && rewritten[start - 1] != '\n')
		start--;
	int shift = 0;
	for (const char *p = rewritten + start; (p = strstr(p, MARKER_SRC)) && (size_t)(p - rewritten) < pos; p += MARKER_LEN)
		shift += (int)MARKER_LEN + 1; /* the marker and the closing quote; the digits were there before */
	return shift;
}
