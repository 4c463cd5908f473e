/*
 * hosts.c: cfssl's classification of "hosts" entries into SANs, and the
 * SAN part of certinfo.
 *
 * cfssl master tries, in order, Go's net.ParseIP, mail.ParseAddress and
 * url.ParseRequestURI, and falls back to a DNS name.  The three parsers
 * below follow the Go 1.19 sources (the toolchain of the reference
 * builds) closely enough to agree on which strings they accept; the URI
 * SAN value is what Go writes for it, url.URL.String().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/asn1.h>
#include <openssl/x509v3.h>

#include <jansson.h>

#include "internal.h"
#include "x509priv.h"

/* A string slice being consumed, as the Go parsers use them. */
struct span {
	const char	*s;
	size_t		 n;
};

static void
ob_putc(struct pki_buf *ob, char c)
{
	pki_buf_addn(ob, &c, 1);
}

/* ---- net.ParseIP ----------------------------------------------------- */

#define GO_BIG	0xFFFFFF

/* Go's dtoi: decimal, at least one digit; returns digits used or 0. */
static size_t
go_dtoi(const char *s, size_t n, unsigned long *v)
{
	size_t	i;

	*v = 0;
	for (i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		*v = *v * 10 + (unsigned long)(s[i] - '0');
		if (*v >= GO_BIG)
			return 0;
	}
	return i;
}

/* Go's xtoi: hexadecimal, at least one digit; returns digits used or 0. */
static size_t
go_xtoi(const char *s, size_t n, unsigned long *v)
{
	size_t	i;
	int	d;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (s[i] >= 'a' && s[i] <= 'f')
			d = s[i] - 'a' + 10;
		else if (s[i] >= 'A' && s[i] <= 'F')
			d = s[i] - 'A' + 10;
		else
			break;
		*v = *v * 16 + (unsigned long)d;
		if (*v >= GO_BIG)
			return 0;
	}
	return i;
}

/* Go 1.17+ parseIPv4: four decimal parts, no leading zeros. */
static int
parse_ipv4(const char *s, size_t n, unsigned char out[4])
{
	unsigned long	v;
	size_t		c;
	int		i;

	for (i = 0; i < 4; i++) {
		if (n == 0)
			return 0;
		if (i > 0) {
			if (*s != '.')
				return 0;
			s++;
			n--;
		}
		if ((c = go_dtoi(s, n, &v)) == 0 || v > 0xFF)
			return 0;
		if (c > 1 && *s == '0')
			return 0;
		s += c;
		n -= c;
		out[i] = (unsigned char)v;
	}
	return n == 0;
}

/* Go's parseIPv6 (no zone). */
static int
parse_ipv6(const char *s, size_t n, unsigned char ip[16])
{
	unsigned long	v;
	size_t		c;
	int		i = 0, j, k, ellipsis = -1;

	memset(ip, 0, 16);
	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		ellipsis = 0;
		s += 2;
		n -= 2;
		if (n == 0)
			return 1;
	}
	while (i < 16) {
		if ((c = go_xtoi(s, n, &v)) == 0 || v > 0xFFFF)
			return 0;
		if (c < n && s[c] == '.') {
			if (ellipsis < 0 && i != 12)
				return 0;
			if (i + 4 > 16)
				return 0;
			if (!parse_ipv4(s, n, ip + i))
				return 0;
			n = 0;
			i += 4;
			break;
		}
		ip[i] = (unsigned char)(v >> 8);
		ip[i + 1] = (unsigned char)v;
		i += 2;
		s += c;
		n -= c;
		if (n == 0)
			break;
		if (*s != ':' || n == 1)
			return 0;
		s++;
		n--;
		if (*s == ':') {
			if (ellipsis >= 0)
				return 0;
			ellipsis = i;
			s++;
			n--;
			if (n == 0)
				break;
		}
	}
	if (n != 0)
		return 0;
	if (i < 16) {
		if (ellipsis < 0)
			return 0;
		k = 16 - i;
		for (j = i - 1; j >= ellipsis; j--)
			ip[j + k] = ip[j];
		for (j = ellipsis + k - 1; j >= ellipsis; j--)
			ip[j] = 0;
	} else if (ellipsis >= 0)
		return 0;
	return 1;
}

static const unsigned char v4prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/*
 * net.ParseIP followed by x509's To4(): *len is 4 for IPv4 and
 * IPv4-mapped IPv6, 16 otherwise.  Returns 1 if s is an IP address.
 */
static int
go_parse_ip(const char *s, unsigned char ip[16], size_t *len)
{
	size_t	i, n = strlen(s);

	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (!parse_ipv4(s, n, ip))
				return 0;
			*len = 4;
			return 1;
		}
		if (s[i] == ':') {
			if (!parse_ipv6(s, n, ip))
				return 0;
			if (memcmp(ip, v4prefix, 12) == 0) {
				memmove(ip, ip + 12, 4);
				*len = 4;
			} else
				*len = 16;
			return 1;
		}
	}
	return 0;
}

void
pki_ip_format(const unsigned char *ip, size_t len, char *buf, size_t size)
{
	struct pki_buf	 ob = { NULL, 0, 0, 0 };
	char		 tmp[8];
	size_t		 i, j;
	int		 e0 = -1, e1 = -1, k;

	if (size == 0)
		return;
	buf[0] = '\0';
	if (len == 16 && memcmp(ip, v4prefix, 12) == 0) {
		ip += 12;
		len = 4;
	}
	if (len == 0) {
		snprintf(buf, size, "<nil>");
		return;
	}
	if (len == 4) {
		snprintf(buf, size, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
		return;
	}
	if (len != 16) {
		ob_putc(&ob, '?');
		for (i = 0; i < len; i++) {
			snprintf(tmp, sizeof(tmp), "%02x", ip[i]);
			pki_buf_addn(&ob, tmp, 2);
		}
		goto done;
	}
	/* Longest run of zero groups, the first one on ties. */
	for (i = 0; i < 16; i += 2) {
		j = i;
		while (j < 16 && ip[j] == 0 && ip[j + 1] == 0)
			j += 2;
		if (j > i && (int)(j - i) > e1 - e0) {
			e0 = (int)i;
			e1 = (int)j;
			i = j;
		}
	}
	if (e1 - e0 <= 2)
		e0 = e1 = -1;
	for (k = 0; k < 16; k += 2) {
		if (k == e0) {
			pki_buf_addn(&ob, "::", 2);
			k = e1;
			if (k >= 16)
				break;
		} else if (k > 0)
			ob_putc(&ob, ':');
		snprintf(tmp, sizeof(tmp), "%x",
		    (unsigned)(ip[k] << 8 | ip[k + 1]));
		pki_buf_addn(&ob, tmp, strlen(tmp));
	}
 done:
	if (ob.b != NULL)
		snprintf(buf, size, "%s", ob.b);
	free(ob.b);
}

/* ---- mail.ParseAddress ----------------------------------------------- */

/*
 * Go's utf8.DecodeRuneInString: returns the length of the rune at s (0 at
 * the end); an invalid sequence gives *r = 0xFFFD and length 1.
 */
static size_t
decode_rune(const char *str, size_t n, uint32_t *r)
{
	const unsigned char	*s = (const unsigned char *)str;
	uint32_t		 c, min;
	size_t			 len, i;

	if (n == 0) {
		*r = 0xFFFD;
		return 0;
	}
	c = s[0];
	if (c < 0x80) {
		*r = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		min = 0x80;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		min = 0x800;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		min = 0x10000;
		c &= 0x07;
	} else
		goto bad;
	if (n < len)
		goto bad;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		goto bad;
	*r = c;
	return len;
 bad:
	*r = 0xFFFD;
	return 1;
}

static int
is_vchar(uint32_t r)
{
	return (r >= '!' && r <= '~') || r >= 0x80;
}

static int
is_wsp(uint32_t r)
{
	return r == ' ' || r == '\t';
}

/* Go 1.19 isAtext(r, dot, permissive). */
static int
is_atext(uint32_t r, int dot, int permissive)
{
	switch (r) {
	case '.':
		return dot;
	case '(': case ')': case '[': case ']': case ';': case '@':
	case '\\': case ',':
		return permissive;
	case '<': case '>': case '"': case ':':
		return 0;
	}
	return is_vchar(r);
}

static int
is_qtext(uint32_t r)
{
	if (r == '\\' || r == '"')
		return 0;
	return is_vchar(r);
}

static void
sp_adv(struct span *p, size_t k)
{
	p->s += k;
	p->n -= k;
}

static void
skip_space(struct span *p)
{
	while (p->n > 0 && (*p->s == ' ' || *p->s == '\t'))
		sp_adv(p, 1);
}

static int
consume(struct span *p, char c)
{
	if (p->n == 0 || *p->s != c)
		return 0;
	sp_adv(p, 1);
	return 1;
}

/* consumeQuotedString: appends the unquoted text to ob (may be NULL). */
static int
consume_quoted(struct span *p, struct pki_buf *ob, size_t *outlen)
{
	uint32_t	r;
	size_t		i = 1, size, count = 0;
	int		escaped = 0;

	for (;;) {
		size = decode_rune(p->s + i, p->n - i, &r);
		if (size == 0)
			return 0;
		if (size == 1 && r == 0xFFFD)
			return 0;
		if (escaped) {
			if (!is_vchar(r) && !is_wsp(r))
				return 0;
			escaped = 0;
		} else if (is_qtext(r) || is_wsp(r)) {
			;
		} else if (r == '"') {
			break;
		} else if (r == '\\') {
			escaped = 1;
			i += size;
			continue;
		} else
			return 0;
		if (ob != NULL)
			pki_buf_addn(ob, p->s + i, size);
		count += size;
		i += size;
	}
	sp_adv(p, i + 1);
	*outlen = count;
	return 1;
}

/* consumeAtom: on success atom and alen give the atom, p is past it. */
static int
consume_atom(struct span *p, int dot, int permissive, const char **atom,
    size_t *alen)
{
	uint32_t	r;
	size_t		i = 0, size, k;

	for (;;) {
		size = decode_rune(p->s + i, p->n - i, &r);
		if (size == 1 && r == 0xFFFD)
			return 0;
		if (size == 0 || !is_atext(r, dot, permissive))
			break;
		i += size;
	}
	if (i == 0)
		return 0;
	*atom = p->s;
	*alen = i;
	sp_adv(p, i);
	if (!permissive) {
		if ((*atom)[0] == '.' || (*atom)[i - 1] == '.')
			return 0;
		for (k = 0; k + 1 < i; k++)
			if ((*atom)[k] == '.' && (*atom)[k + 1] == '.')
				return 0;
	}
	return 1;
}

static int
is_b64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* Go's base64.StdEncoding.DecodeString succeeds (CR/LF cannot occur). */
static int
b64_valid(const char *s, size_t n)
{
	size_t	i, q = 0, pad = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '=') {
			if (q < 2)
				return 0;
			pad++;
			q++;
			if (q == 4)
				return i + 1 == n && (pad == 1 || pad == 2);
			continue;
		}
		if (pad > 0 || !is_b64(s[i]))
			return 0;
		q = (q + 1) % 4;
	}
	return q == 0 && pad == 0;
}

static int
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* Go's mime qDecode succeeds. */
static int
q_valid(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (s[i] == '=') {
			if (i + 2 >= n || !is_hex(s[i + 1]) ||
			    !is_hex(s[i + 2]))
				return 0;
			i += 2;
		} else if (!((s[i] >= ' ' && s[i] <= '~') || s[i] == '\n' ||
		    s[i] == '\r' || s[i] == '\t'))
			return 0;
	}
	return 1;
}

/*
 * decodeRFC2047Word with net/mail's decoder fails only for a well-formed
 * encoded word in a charset other than utf-8, iso-8859-1 and us-ascii.
 * Returns 1 in that case.
 */
static int
rfc2047_fails(const char *w, size_t n)
{
	const char	*cs, *enc, *text;
	size_t		 i, q = 0, cslen, textlen;

	if (n < 8 || strncmp(w, "=?", 2) != 0 || w[n - 2] != '?' ||
	    w[n - 1] != '=')
		return 0;
	for (i = 0; i < n; i++)
		if (w[i] == '?')
			q++;
	if (q != 4)
		return 0;
	cs = w + 2;
	cslen = (size_t)((const char *)memchr(cs, '?', n - 2) - cs);
	if (cslen == 0)
		return 0;
	enc = cs + cslen + 1;
	if (enc[0] == '?' || enc[1] != '?')
		return 0;
	text = enc + 2;
	textlen = (size_t)((w + n - 2) - text);
	switch (enc[0]) {
	case 'B': case 'b':
		if (!b64_valid(text, textlen))
			return 0;
		break;
	case 'Q': case 'q':
		if (!q_valid(text, textlen))
			return 0;
		break;
	default:
		return 0;
	}
	if ((cslen == 5 && strncasecmp(cs, "utf-8", 5) == 0) ||
	    (cslen == 10 && strncasecmp(cs, "iso-8859-1", 10) == 0) ||
	    (cslen == 8 && strncasecmp(cs, "us-ascii", 8) == 0))
		return 0;
	return 1;
}

/* consumeComment, '(' already consumed; returns 1 if balanced. */
static int
consume_comment(struct span *p, struct pki_buf *ob)
{
	int	depth = 1;

	while (p->n > 0 && depth > 0) {
		if (*p->s == '\\' && p->n > 1)
			sp_adv(p, 1);
		else if (*p->s == '(')
			depth++;
		else if (*p->s == ')')
			depth--;
		if (depth > 0 && ob != NULL)
			ob_putc(ob, *p->s);
		sp_adv(p, 1);
	}
	return depth == 0;
}

static int
skip_cfws(struct span *p)
{
	skip_space(p);
	while (consume(p, '(')) {
		if (!consume_comment(p, NULL))
			return 0;
		skip_space(p);
	}
	return 1;
}

/* consumeDisplayNameComment: returns 1 on success. */
static int
consume_name_comment(struct span *p)
{
	struct pki_buf	 ob = { NULL, 0, 0, 0 };
	size_t		 i, j;
	int		 ok = 0;

	if (!consume(p, '('))
		return 0;
	if (!consume_comment(p, &ob) || ob.oom)
		goto out;
	for (i = 0; i < ob.len; i = j) {
		while (i < ob.len && (ob.b[i] == ' ' || ob.b[i] == '\t'))
			i++;
		j = i;
		while (j < ob.len && ob.b[j] != ' ' && ob.b[j] != '\t')
			j++;
		if (j > i && rfc2047_fails(ob.b + i, j - i))
			goto out;
	}
	ok = 1;
 out:
	free(ob.b);
	return ok;
}

/* consumePhrase: 1 if at least one word was read. */
static int
consume_phrase(struct span *p)
{
	const char	*atom;
	size_t		 alen, qlen;
	int		 words = 0;

	for (;;) {
		skip_space(p);
		if (p->n == 0)
			break;
		if (*p->s == '"') {
			if (!consume_quoted(p, NULL, &qlen))
				break;
		} else {
			if (!consume_atom(p, 1, 1, &atom, &alen))
				break;
			if (rfc2047_fails(atom, alen))
				break;
		}
		words++;
	}
	return words > 0;
}

/*
 * consumeAddrSpec: on success appends local@domain to ob and advances p;
 * on failure p is unchanged.
 */
static int
consume_addr_spec(struct span *p, struct pki_buf *ob)
{
	struct span	 orig = *p;
	const char	*atom;
	size_t		 alen, qlen, mark = ob->len;

	skip_space(p);
	if (p->n == 0)
		goto fail;
	if (*p->s == '"') {
		if (!consume_quoted(p, ob, &qlen) || qlen == 0)
			goto fail;
	} else {
		if (!consume_atom(p, 1, 0, &atom, &alen))
			goto fail;
		pki_buf_addn(ob, atom, alen);
	}
	if (!consume(p, '@'))
		goto fail;
	ob_putc(ob, '@');
	skip_space(p);
	if (p->n == 0)
		goto fail;
	/* Go 1.19 has no domain-literal support ("TODO"). */
	if (!consume_atom(p, 1, 0, &atom, &alen))
		goto fail;
	pki_buf_addn(ob, atom, alen);
	return 1;
 fail:
	*p = orig;
	ob->len = mark;
	if (ob->b != NULL)
		ob->b[mark] = '\0';
	return 0;
}

static int parse_address(struct span *, int, struct pki_buf *, int *);

/* consumeGroupList; *count receives the number of addresses. */
static int
consume_group_list(struct span *p, struct pki_buf *ob, int *count)
{
	int	n;

	skip_space(p);
	if (consume(p, ';')) {
		skip_cfws(p);
		return 1;
	}
	for (;;) {
		skip_space(p);
		if (!parse_address(p, 0, ob, &n))
			return 0;
		*count += n;
		if (!skip_cfws(p))
			return 0;
		if (consume(p, ';')) {
			skip_cfws(p);
			return 1;
		}
		if (!consume(p, ','))
			return 0;
	}
}

/*
 * parseAddress: the first address found is written to ob (later ones of
 * a group are counted but not kept).
 */
static int
parse_address(struct span *p, int handle_group, struct pki_buf *ob, int *count)
{
	struct pki_buf	tmp = { NULL, 0, 0, 0 };

	*count = 0;
	skip_space(p);
	if (p->n == 0)
		return 0;
	if (consume_addr_spec(p, &tmp)) {
		skip_space(p);
		if (p->n > 0 && *p->s == '(' && !consume_name_comment(p))
			goto fail;
		goto found;
	}
	if (*p->s != '<' && !consume_phrase(p))
		goto fail;
	skip_space(p);
	if (handle_group && consume(p, ':')) {
		free(tmp.b);
		return consume_group_list(p, ob, count);
	}
	if (!consume(p, '<'))
		goto fail;
	if (!consume_addr_spec(p, &tmp))
		goto fail;
	if (!consume(p, '>'))
		goto fail;
 found:
	if (tmp.oom) {
		ob->oom = 1;
		goto fail;
	}
	if (ob->len == 0 && tmp.b != NULL)
		pki_buf_addn(ob, tmp.b, tmp.len);
	*count = 1;
	free(tmp.b);
	return 1;
 fail:
	free(tmp.b);
	return 0;
}

/*
 * mail.ParseAddress: returns 1 and the malloc'ed addr-spec in *addr, 0 if
 * s is not an address, -1 if out of memory.
 */
static int
go_parse_address(const char *s, char **addr)
{
	struct span	p = { s, strlen(s) };
	struct pki_buf	ob = { NULL, 0, 0, 0 };
	int		count, ok;

	*addr = NULL;
	ok = parse_address(&p, 1, &ob, &count) && skip_cfws(&p) &&
	    p.n == 0 && count == 1;
	if (ob.oom) {
		free(ob.b);
		return -1;
	}
	if (!ok) {
		free(ob.b);
		return 0;
	}
	*addr = ob.b;
	return 1;
}

/* ---- url.ParseRequestURI and URL.String() ---------------------------- */

enum enc_mode {
	ENC_PATH, ENC_HOST, ENC_ZONE, ENC_USERPASS
};

static int
tolower_c(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* Go's shouldEscape for the modes parse and String use. */
static int
should_escape(unsigned char c, enum enc_mode mode)
{
	if (is_alnum(c))
		return 0;
	if (mode == ENC_HOST || mode == ENC_ZONE) {
		switch (c) {
		case '!': case '$': case '&': case '\'': case '(': case ')':
		case '*': case '+': case ',': case ';': case '=': case ':':
		case '[': case ']': case '<': case '>': case '"':
			return 0;
		}
	}
	switch (c) {
	case '-': case '_': case '.': case '~':
		return 0;
	case '$': case '&': case '+': case ',': case '/': case ':': case ';':
	case '=': case '?': case '@':
		switch (mode) {
		case ENC_PATH:
			return c == '?';
		case ENC_USERPASS:
			return c == '@' || c == '/' || c == '?' || c == ':';
		default:
			break;
		}
		break;
	}
	return 1;
}

static int
unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 0;
}

/*
 * Go's unescape(s, mode): returns 1 if valid; the decoded bytes are
 * appended to ob when it is not NULL.
 */
static int
url_unescape(const char *s, size_t n, enum enc_mode mode, struct pki_buf *ob)
{
	unsigned char	v;
	size_t		i;

	for (i = 0; i < n;) {
		if (s[i] == '%') {
			if (i + 2 >= n || !is_hex(s[i + 1]) ||
			    !is_hex(s[i + 2]))
				return 0;
			if (mode == ENC_HOST && unhex(s[i + 1]) < 8 &&
			    strncmp(s + i, "%25", 3) != 0)
				return 0;
			v = (unsigned char)(unhex(s[i + 1]) << 4 |
			    unhex(s[i + 2]));
			if (mode == ENC_ZONE && strncmp(s + i, "%25", 3) != 0 &&
			    v != ' ' && should_escape(v, ENC_HOST))
				return 0;
			if (ob != NULL)
				ob_putc(ob, (char)v);
			i += 3;
			continue;
		}
		if ((mode == ENC_HOST || mode == ENC_ZONE) &&
		    (unsigned char)s[i] < 0x80 &&
		    should_escape((unsigned char)s[i], mode))
			return 0;
		if (ob != NULL)
			ob_putc(ob, s[i]);
		i++;
	}
	return 1;
}

/* Go's escape(s, mode), appended to ob. */
static void
url_escape(const char *s, size_t n, enum enc_mode mode, struct pki_buf *ob)
{
	static const char	hex[] = "0123456789ABCDEF";
	char			e[3];
	size_t			i;

	for (i = 0; i < n; i++) {
		if (should_escape((unsigned char)s[i], mode)) {
			e[0] = '%';
			e[1] = hex[(unsigned char)s[i] >> 4];
			e[2] = hex[(unsigned char)s[i] & 15];
			pki_buf_addn(ob, e, 3);
		} else
			ob_putc(ob, s[i]);
	}
}

/* Go's validEncoded(s, encodePath). */
static int
path_valid_encoded(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strchr("!$&'()*+,;=:@[]%", s[i]) != NULL && s[i] != '\0')
			continue;
		if (should_escape((unsigned char)s[i], ENC_PATH))
			return 0;
	}
	return 1;
}

static int
valid_port(const char *s, size_t n)
{
	size_t	i;

	if (n == 0)
		return 1;
	if (s[0] != ':')
		return 0;
	for (i = 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static const char *
memrchr_c(const char *s, size_t n, char c)
{
	while (n > 0) {
		n--;
		if (s[n] == c)
			return s + n;
	}
	return NULL;
}

/* parseHost: the unescaped host is appended to host. */
static int
parse_host(const char *h, size_t n, struct pki_buf *host)
{
	const char	*rb, *z;
	size_t		 i, zi;

	if (n > 0 && h[0] == '[') {
		if ((rb = memrchr_c(h, n, ']')) == NULL)
			return 0;
		i = (size_t)(rb - h);
		if (!valid_port(h + i + 1, n - i - 1))
			return 0;
		z = memmem(h, i, "%25", 3);
		if (z != NULL) {
			zi = (size_t)(z - h);
			return url_unescape(h, zi, ENC_HOST, host) &&
			    url_unescape(h + zi, i - zi, ENC_ZONE, host) &&
			    url_unescape(h + i, n - i, ENC_HOST, host);
		}
	} else if ((rb = memrchr_c(h, n, ':')) != NULL) {
		i = (size_t)(rb - h);
		if (!valid_port(h + i, n - i))
			return 0;
	}
	return url_unescape(h, n, ENC_HOST, host);
}

static int
valid_userinfo(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (is_alnum((unsigned char)s[i]))
			continue;
		if (s[i] == '\0' || strchr("-._:~!$&'()*+,;=%@", s[i]) == NULL)
			return 0;
	}
	return 1;
}

/*
 * url.ParseRequestURI(s) and, on success, its String() into ob.
 * Returns 1 for a URI, 0 if not one.
 */
static int
go_parse_request_uri(const char *s, struct pki_buf *ob)
{
	struct pki_buf	 host = { NULL, 0, 0, 0 }, user = { NULL, 0, 0, 0 };
	struct pki_buf	 pass = { NULL, 0, 0, 0 }, path = { NULL, 0, 0, 0 };
	const char	*rest, *q, *auth, *slash, *at, *colon;
	size_t		 i, n = strlen(s), slen = 0, rlen, alen, ulen;
	int		 ok = 0, has_scheme = 0, has_user = 0, has_pass = 0;
	int		 has_query = 0, omit_host = 0;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	if (n == 0)
		return 0;
	if (strcmp(s, "*") == 0) {
		ob_putc(ob, '*');
		return 1;
	}
	/* getScheme */
	for (i = 0; i < n; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z'))
			continue;
		if ((s[i] >= '0' && s[i] <= '9') || s[i] == '+' ||
		    s[i] == '-' || s[i] == '.') {
			if (i == 0)
				break;
			continue;
		}
		if (s[i] == ':') {
			if (i == 0)
				return 0;	/* missing protocol scheme */
			has_scheme = 1;
			slen = i;
		}
		break;
	}
	rest = has_scheme ? s + slen + 1 : s;
	rlen = n - (size_t)(rest - s);
	/* The query (everything from the first '?') is kept verbatim. */
	if ((q = memchr(rest, '?', rlen)) != NULL) {
		has_query = 1;
		rlen = (size_t)(q - rest);
	}
	if (rlen == 0 || rest[0] != '/') {
		if (!has_scheme)
			return 0;	/* invalid URI for request */
		/* Opaque. */
		for (i = 0; i < slen; i++)
			ob_putc(ob, (char)tolower_c(s[i]));
		ob_putc(ob, ':');
		pki_buf_addn(ob, rest, n - (size_t)(rest - s));
		return 1;
	}
	if (has_scheme && rlen >= 2 && rest[1] == '/') {
		auth = rest + 2;
		alen = rlen - 2;
		if ((slash = memchr(auth, '/', alen)) != NULL) {
			rest = slash;
			rlen = alen - (size_t)(slash - auth);
			alen = (size_t)(slash - auth);
		} else {
			rest = auth + alen;
			rlen = 0;
		}
		/* parseAuthority */
		at = memrchr_c(auth, alen, '@');
		if (at == NULL) {
			if (!parse_host(auth, alen, &host))
				goto out;
		} else {
			if (!parse_host(at + 1, alen - (size_t)(at + 1 - auth),
			    &host))
				goto out;
			ulen = (size_t)(at - auth);
			if (!valid_userinfo(auth, ulen))
				goto out;
			has_user = 1;
			if ((colon = memchr(auth, ':', ulen)) == NULL) {
				if (!url_unescape(auth, ulen, ENC_USERPASS,
				    &user))
					goto out;
			} else {
				has_pass = 1;
				if (!url_unescape(auth, (size_t)(colon - auth),
				    ENC_USERPASS, &user) ||
				    !url_unescape(colon + 1,
				    ulen - (size_t)(colon + 1 - auth),
				    ENC_USERPASS, &pass))
					goto out;
			}
		}
	} else if (has_scheme)
		omit_host = 1;
	/* setPath */
	if (!url_unescape(rest, rlen, ENC_PATH, &path))
		goto out;
	ok = 1;

	/* String() */
	for (i = 0; i < slen; i++)
		ob_putc(ob, (char)tolower_c(s[i]));
	if (has_scheme)
		ob_putc(ob, ':');
	if (has_scheme || host.len > 0 || has_user) {
		if (!(omit_host && host.len == 0 && !has_user)) {
			if (host.len > 0 || path.len > 0 || has_user)
				pki_buf_addn(ob, "//", 2);
			if (has_user) {
				url_escape(user.b, user.len, ENC_USERPASS, ob);
				if (has_pass) {
					ob_putc(ob, ':');
					url_escape(pass.b, pass.len,
					    ENC_USERPASS, ob);
				}
				ob_putc(ob, '@');
			}
			url_escape(host.b, host.len, ENC_HOST, ob);
		}
	}
	/* EscapedPath(): the raw path if validly encoded, else re-escaped. */
	if (path_valid_encoded(rest, rlen))
		pki_buf_addn(ob, rest, rlen);
	else
		url_escape(path.b, path.len, ENC_PATH, ob);
	if (has_query)
		pki_buf_addn(ob, q, n - (size_t)(q - s));
 out:
	if (host.oom || user.oom || pass.oom || path.oom)
		ob->oom = 1;
	free(host.b);
	free(user.b);
	free(pass.b);
	free(path.b);
	return ok;
}

/* ---- classification and GENERAL_NAMES --------------------------------- */

int
pki_host_classify(const char *host, unsigned char **value, size_t *vlen,
    struct pki_error *err)
{
	struct pki_buf	 ob = { NULL, 0, 0, 0 };
	unsigned char	 ip[16];
	char		*addr = NULL;
	size_t		 iplen;
	int		 r;

	*value = NULL;
	*vlen = 0;
	if (go_parse_ip(host, ip, &iplen)) {
		if ((*value = malloc(iplen)) == NULL)
			goto nomem;
		memcpy(*value, ip, iplen);
		*vlen = iplen;
		return PKI_HOST_IP;
	}
	if ((r = go_parse_address(host, &addr)) < 0)
		goto nomem;
	if (r == 1) {
		*value = (unsigned char *)addr;
		*vlen = strlen(addr);
		return PKI_HOST_EMAIL;
	}
	if (go_parse_request_uri(host, &ob)) {
		if (ob.oom)
			goto nomem;
		if (ob.b == NULL && (ob.b = strdup("")) == NULL)
			goto nomem;
		*value = (unsigned char *)ob.b;
		*vlen = ob.len;
		return PKI_HOST_URI;
	}
	free(ob.b);
	ob.b = NULL;
	if ((*value = (unsigned char *)strdup(host)) == NULL)
		goto nomem;
	*vlen = strlen(host);
	return PKI_HOST_DNS;
 nomem:
	free(ob.b);
	return pki_err(err, PKI_ERR_ALLOC, "hosts: out of memory");
}

static int
is_ascii(const unsigned char *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (v[i] >= 0x80)
			return 0;
	return 1;
}

/* A GENERAL_NAME of type (GEN_DNS, GEN_EMAIL, GEN_URI, GEN_IPADD). */
static int
gen_new(int type, const unsigned char *v, size_t n, GENERAL_NAME **out,
    struct pki_error *err)
{
	GENERAL_NAME	*gen = NULL;
	ASN1_STRING	*str = NULL;
	int		 r = PKI_ERR_INTERNAL;

	*out = NULL;
	if (n > INT32_MAX)
		return pki_err(err, PKI_ERR_INPUT, "hosts: entry too long");
	if ((gen = GENERAL_NAME_new()) == NULL)
		goto fail;
	if (type == GEN_IPADD)
		str = ASN1_OCTET_STRING_new();
	else
		str = ASN1_IA5STRING_new();
	if (str == NULL || ASN1_STRING_set(str, v, (int)n) != 1)
		goto fail;
	GENERAL_NAME_set0_value(gen, type, str);
	str = NULL;
	*out = gen;
	return PKI_OK;
 fail:
	r = pki_err_ssl(err, PKI_ERR_ALLOC, "hosts: GENERAL_NAME");
	ASN1_STRING_free(str);
	GENERAL_NAME_free(gen);
	return r;
}

int
pki_san_from_hosts(const char *const *hosts, size_t n, int ip_only,
    GENERAL_NAMES **out, struct pki_error *err)
{
	static const int	 order[] = {
		PKI_HOST_DNS, PKI_HOST_EMAIL, PKI_HOST_IP, PKI_HOST_URI
	};
	static const int	 gentype[] = {
		GEN_DNS, GEN_IPADD, GEN_EMAIL, GEN_URI	/* by PKI_HOST_* */
	};
	GENERAL_NAMES		*gens = NULL;
	GENERAL_NAME		*gen = NULL;
	unsigned char		**vals = NULL;
	size_t			*lens = NULL, i, k;
	int			*types = NULL, r = PKI_ERR_INTERNAL;

	*out = NULL;
	if (n == 0)
		return PKI_OK;
	if ((vals = calloc(n, sizeof(*vals))) == NULL ||
	    (lens = calloc(n, sizeof(*lens))) == NULL ||
	    (types = calloc(n, sizeof(*types))) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "hosts: out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((types[i] = pki_host_classify(hosts[i], &vals[i], &lens[i],
		    err)) < 0) {
			r = types[i];
			goto out;
		}
		if (types[i] != PKI_HOST_IP && !ip_only &&
		    !is_ascii(vals[i], lens[i])) {
			r = pki_err(err, PKI_ERR_INPUT,
			    "hosts: \"%s\" is not ASCII", hosts[i]);
			goto out;
		}
	}
	if ((gens = GENERAL_NAMES_new()) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_ALLOC, "hosts: GENERAL_NAMES_new");
		goto out;
	}
	for (k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		for (i = 0; i < n; i++) {
			if (types[i] != order[k])
				continue;
			if (ip_only && types[i] != PKI_HOST_IP)
				continue;
			if ((r = gen_new(gentype[types[i]], vals[i], lens[i],
			    &gen, err)) != 0)
				goto out;
			if (sk_GENERAL_NAME_push(gens, gen) <= 0) {
				r = pki_err_ssl(err, PKI_ERR_ALLOC,
				    "hosts: sk_GENERAL_NAME_push");
				goto out;
			}
			gen = NULL;
		}
	}
	if (sk_GENERAL_NAME_num(gens) > 0) {
		*out = gens;
		gens = NULL;
	}
	r = PKI_OK;
 out:
	GENERAL_NAME_free(gen);
	GENERAL_NAMES_free(gens);
	if (vals != NULL)
		for (i = 0; i < n; i++)
			free(vals[i]);
	free(vals);
	free(lens);
	free(types);
	return r;
}

/* ---- certinfo -------------------------------------------------------- */

static int
append_str(json_t **arr, const unsigned char *v, size_t n, const char *what,
    struct pki_error *err)
{
	json_t	*s;

	if (*arr == NULL && (*arr = json_array()) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "SAN: out of memory");
	if ((s = json_stringn((const char *)v, n)) == NULL)
		return pki_err(err, PKI_ERR_INPUT, "SAN: %s is not valid UTF-8",
		    what);
	if (json_array_append_new(*arr, s) != 0)
		return pki_err(err, PKI_ERR_ALLOC, "SAN: out of memory");
	return PKI_OK;
}

int
pki_san_info_json(const GENERAL_NAMES *gens, int all, json_t *obj,
    struct pki_error *err)
{
	const GENERAL_NAME	*gen;
	const ASN1_STRING	*str;
	json_t			*dns = NULL, *ips = NULL, *emails = NULL;
	json_t			*uris = NULL;
	char			 ipbuf[64];
	int			 i, type, r = PKI_OK;

	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		gen = sk_GENERAL_NAME_value(gens, i);
		str = GENERAL_NAME_get0_value(gen, &type);
		switch (type) {
		case GEN_DNS:
			r = append_str(&dns, ASN1_STRING_get0_data(str),
			    (size_t)ASN1_STRING_length(str), "dNSName", err);
			break;
		case GEN_IPADD:
			pki_ip_format(ASN1_STRING_get0_data(str),
			    (size_t)ASN1_STRING_length(str), ipbuf,
			    sizeof(ipbuf));
			r = append_str(&ips, (const unsigned char *)ipbuf,
			    strlen(ipbuf), "iPAddress", err);
			break;
		case GEN_EMAIL:
			if (all)
				r = append_str(&emails,
				    ASN1_STRING_get0_data(str),
				    (size_t)ASN1_STRING_length(str),
				    "rfc822Name", err);
			break;
		case GEN_URI:
			if (all)
				r = append_str(&uris,
				    ASN1_STRING_get0_data(str),
				    (size_t)ASN1_STRING_length(str),
				    "uniformResourceIdentifier", err);
			break;
		default:
			break;
		}
		if (r != 0)
			goto out;
	}
	/* "sans": DNS names, then IP addresses. */
	if (ips != NULL && dns == NULL) {
		dns = ips;
		ips = NULL;
	}
	if (ips != NULL && json_array_extend(dns, ips) != 0)
		goto nomem;
	if (dns != NULL && json_object_set_new(obj, "sans", dns) != 0) {
		dns = NULL;
		goto nomem;
	}
	dns = NULL;
	if (emails != NULL && json_object_set_new(obj, "emails", emails) != 0) {
		emails = NULL;
		goto nomem;
	}
	emails = NULL;
	if (uris != NULL && json_object_set_new(obj, "uris", uris) != 0) {
		uris = NULL;
		goto nomem;
	}
	uris = NULL;
	r = PKI_OK;
	goto out;
 nomem:
	r = pki_err(err, PKI_ERR_ALLOC, "SAN: out of memory");
 out:
	json_decref(dns);
	json_decref(ips);
	json_decref(emails);
	json_decref(uris);
	return r;
}
