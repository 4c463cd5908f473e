/*
 * gojson.c: JSON text byte for byte as Go's encoding/json writes it, for
 * everything etcd-pki prints or sends where cfssl would (its stdout JSON,
 * certinfo, the remote API's request bodies).  Strings follow Go's
 * encodeState.string with HTML escaping on (json.Marshal's default): \"
 * \\ \n \r \t; other control characters, <, > and & as \u00xx (lower-case
 * hex; Go 1.19, the oracle's runtime, has no \b or \f); U+2028 and U+2029
 * as \u2028 and \u2029; every byte that does not start a valid UTF-8
 * sequence (utf8.DecodeRune: no overlong forms, no surrogates, nothing
 * past U+10FFFF) as \ufffd, one per byte; everything else as it is.
 * tests/unit/t-gojson.c holds cfssl's own output for such strings.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"

/*
 * Length of the UTF-8 sequence at p (at most n bytes) when it is one Go's
 * utf8.DecodeRune accepts, else 0.  *cp receives the code point.
 */
static size_t
utf8_seq(const unsigned char *p, size_t n, unsigned int *cp)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		len, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		*cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		*cp = p[0] & 0x0f;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		*cp = p[0] & 0x07;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 1; i < len; i++) {
		if (i > 1 && (p[i] < 0x80 || p[i] > 0xbf))
			return 0;
		*cp = (*cp << 6) | (p[i] & 0x3f);
	}
	return len;
}

void
pki_buf_go_string(struct pki_buf *b, const char *s, size_t n)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, start = 0, w;
	unsigned int		 cp;
	char			 esc[8];

	pki_buf_add(b, "\"");
	while (i < n) {
		if (p[i] < 0x80) {
			if (p[i] >= 0x20 && p[i] != '"' && p[i] != '\\' &&
			    p[i] != '<' && p[i] != '>' && p[i] != '&') {
				i++;
				continue;
			}
			pki_buf_addn(b, s + start, i - start);
			switch (p[i]) {
			case '"':
				pki_buf_add(b, "\\\"");
				break;
			case '\\':
				pki_buf_add(b, "\\\\");
				break;
			case '\n':
				pki_buf_add(b, "\\n");
				break;
			case '\r':
				pki_buf_add(b, "\\r");
				break;
			case '\t':
				pki_buf_add(b, "\\t");
				break;
			default:
				esc[0] = '\\';
				esc[1] = 'u';
				esc[2] = '0';
				esc[3] = '0';
				esc[4] = hex[p[i] >> 4];
				esc[5] = hex[p[i] & 0xf];
				pki_buf_addn(b, esc, 6);
				break;
			}
			start = ++i;
			continue;
		}
		if ((w = utf8_seq(p + i, n - i, &cp)) == 0) {
			pki_buf_addn(b, s + start, i - start);
			pki_buf_add(b, "\\ufffd");
			start = ++i;
			continue;
		}
		if (cp == 0x2028 || cp == 0x2029) {
			pki_buf_addn(b, s + start, i - start);
			pki_buf_add(b, cp == 0x2028 ? "\\u2028" : "\\u2029");
			start = i + w;
		}
		i += w;
	}
	pki_buf_addn(b, s + start, n - start);
	pki_buf_add(b, "\"");
}

int
pki_json_quote(const char *s, size_t len, char **out, size_t *outlen,
    struct pki_error *err)
{
	struct pki_buf	b;

	*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	memset(&b, 0, sizeof(b));
	/*
	 * The text may be a private key's PEM: the buffer is made large
	 * enough for the worst case (\u00xx per byte) up front, so that no
	 * realloc leaves a copy behind.
	 */
	if (len > (SIZE_MAX - 3) / 6)
		return pki_err(err, PKI_ERR_TOO_BIG, "JSON string too long");
	b.cap = 6 * len + 3;
	if ((b.b = malloc(b.cap)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	b.b[0] = '\0';
	pki_buf_go_string(&b, s, len);
	if (b.oom) {
		pki_secret_free(b.b, b.cap);
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	}
	*out = b.b;
	if (outlen != NULL)
		*outlen = b.len;
	return PKI_OK;
}

/* Appends "\n" and two spaces per level, unless compact. */
static void
newline(struct pki_buf *b, int depth, int compact)
{
	if (compact)
		return;
	pki_buf_add(b, "\n");
	while (depth-- > 0)
		pki_buf_add(b, "  ");
}

/*
 * json.MarshalIndent(v, "", "  ") of one value at depth, or with compact
 * json.Marshal(v).
 */
static void
dump(struct pki_buf *b, const json_t *v, int depth, int compact)
{
	json_t		*obj, *val;
	const char	*key;
	char		*s;
	size_t		 i;
	int		 first = 1;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		pki_buf_add(b, "{");
		/* jansson's iteration wants a non-const object; it reads. */
		obj = (json_t *)(uintptr_t)v;
		json_object_foreach(obj, key, val) {
			pki_buf_add(b, first ? "" : ",");
			first = 0;
			newline(b, depth + 1, compact);
			pki_buf_go_string(b, key, strlen(key));
			pki_buf_add(b, compact ? ":" : ": ");
			dump(b, val, depth + 1, compact);
		}
		if (!first)
			newline(b, depth, compact);
		pki_buf_add(b, "}");
		break;
	case JSON_ARRAY:
		pki_buf_add(b, "[");
		for (i = 0; i < json_array_size(v); i++) {
			pki_buf_add(b, i > 0 ? "," : "");
			newline(b, depth + 1, compact);
			dump(b, json_array_get(v, i), depth + 1, compact);
		}
		if (i > 0)
			newline(b, depth, compact);
		pki_buf_add(b, "]");
		break;
	case JSON_STRING:
		pki_buf_go_string(b, json_string_value(v),
		    json_string_length(v));
		break;
	default:
		/* Numbers, true, false and null: jansson writes them alike. */
		if ((s = json_dumps(v, JSON_ENCODE_ANY)) == NULL) {
			b->oom = 1;
			break;
		}
		pki_buf_add(b, s);
		free(s);
		break;
	}
}

char *
pki_json_dump_go_flags(const json_t *json, size_t flags)
{
	struct pki_buf	b;

	memset(&b, 0, sizeof(b));
	dump(&b, json, 0, (flags & JSON_COMPACT) != 0);
	if (b.oom) {
		free(b.b);
		return NULL;
	}
	return b.b;
}

char *
pki_json_dump_go(const json_t *json)
{
	return pki_json_dump_go_flags(json, 0);
}
