/*
 * duration.c: Go's time.ParseDuration and Duration.String(), plus the
 * units "d" (24h) and "y" (365d) that cfssl users keep asking for.
 *
 * The parser follows Go 1.19's src/time/format.go step by step, including
 * its overflow rules and its float64 arithmetic for fractions, so that a
 * string means the same number of nanoseconds to both programs.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define NS_PER_DAY	(24 * PKI_NS_PER_HOUR)

static const struct {
	const char	*name;
	uint64_t	 ns;
} units[] = {
	{ "ns",		1 },
	{ "us",		1000 },
	{ "\xc2\xb5s",	1000 },		/* U+00B5 micro sign */
	{ "\xce\xbcs",	1000 },		/* U+03BC Greek small mu */
	{ "ms",		1000 * 1000 },
	{ "s",		(uint64_t)PKI_NS_PER_SEC },
	{ "m",		(uint64_t)PKI_NS_PER_MIN },
	{ "h",		(uint64_t)PKI_NS_PER_HOUR },
	{ "d",		(uint64_t)NS_PER_DAY },		/* extension */
	{ "y",		(uint64_t)(365 * NS_PER_DAY) },	/* extension */
};

#define BIT63	(UINT64_C(1) << 63)

/*
 * Writes s (len bytes) quoted as Go's time.quote does: bytes outside
 * printable ASCII as \xNN, '"' and '\' escaped.
 */
static void
quote(char *buf, size_t size, const char *s, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i, n = 0;
	unsigned char		 c;

	if (size < 3) {
		if (size > 0)
			buf[0] = '\0';
		return;
	}
	buf[n++] = '"';
	for (i = 0; i < len && n + 5 < size; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x80 || c < ' ') {
			buf[n++] = '\\';
			buf[n++] = 'x';
			buf[n++] = hex[c >> 4];
			buf[n++] = hex[c & 0xf];
		} else {
			if (c == '"' || c == '\\')
				buf[n++] = '\\';
			buf[n++] = (char)c;
		}
	}
	buf[n++] = '"';
	buf[n] = '\0';
}

static int
invalid(struct pki_error *err, const char *orig)
{
	char	q[160];

	quote(q, sizeof(q), orig, strlen(orig));
	return pki_err(err, PKI_ERR_INPUT, "invalid duration %s", q);
}

int
pki_duration_parse(const char *orig, int64_t *ns, struct pki_error *err)
{
	const char	*s = orig, *u;
	uint64_t	 d = 0, v, f, unit;
	double		 scale;
	size_t		 i, ulen;
	int		 neg = 0, pre, post, overflow;
	char		 q1[64], q2[160];

	*ns = 0;
	if (*s == '-' || *s == '+') {
		neg = *s == '-';
		s++;
	}
	if (strcmp(s, "0") == 0)
		return PKI_OK;
	if (*s == '\0')
		return invalid(err, orig);
	while (*s != '\0') {
		if (!(*s == '.' || (*s >= '0' && *s <= '9')))
			return invalid(err, orig);
		/* [0-9]* */
		v = 0;
		pre = 0;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (v > BIT63 / 10)
				return invalid(err, orig);
			v = v * 10 + (uint64_t)(*s - '0');
			if (v > BIT63)
				return invalid(err, orig);
			pre = 1;
		}
		/* (\.[0-9]*)? */
		f = 0;
		scale = 1;
		post = 0;
		if (*s == '.') {
			s++;
			overflow = 0;
			for (; *s >= '0' && *s <= '9'; s++) {
				post = 1;
				if (overflow)
					continue;
				if (f > (BIT63 - 1) / 10) {
					overflow = 1;
					continue;
				}
				if (f * 10 + (uint64_t)(*s - '0') > BIT63) {
					overflow = 1;
					continue;
				}
				f = f * 10 + (uint64_t)(*s - '0');
				scale *= 10;
			}
		}
		if (!pre && !post)
			return invalid(err, orig);
		/* The unit: everything up to the next digit or '.'. */
		for (ulen = 0; s[ulen] != '\0' && s[ulen] != '.' &&
		    !(s[ulen] >= '0' && s[ulen] <= '9'); ulen++)
			;
		if (ulen == 0) {
			quote(q2, sizeof(q2), orig, strlen(orig));
			return pki_err(err, PKI_ERR_INPUT,
			    "missing unit in duration %s", q2);
		}
		u = s;
		s += ulen;
		unit = 0;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strlen(units[i].name) == ulen &&
			    memcmp(units[i].name, u, ulen) == 0) {
				unit = units[i].ns;
				break;
			}
		if (unit == 0) {
			quote(q1, sizeof(q1), u, ulen);
			quote(q2, sizeof(q2), orig, strlen(orig));
			return pki_err(err, PKI_ERR_INPUT,
			    "unknown unit %s in duration %s", q1, q2);
		}
		if (v > BIT63 / unit)
			return invalid(err, orig);
		v *= unit;
		if (f > 0) {
			/* float64, as Go: nanosecond-exact for hours. */
			v += (uint64_t)((double)f * ((double)unit / scale));
			if (v > BIT63)
				return invalid(err, orig);
		}
		d += v;
		if (d > BIT63)
			return invalid(err, orig);
	}
	if (neg) {
		/* -(1<<63) is representable. */
		*ns = d == BIT63 ? INT64_MIN : -(int64_t)d;
		return PKI_OK;
	}
	if (d > BIT63 - 1)
		return invalid(err, orig);
	*ns = (int64_t)d;
	return PKI_OK;
}

/*
 * Go's fmtFrac: writes the fraction of v/10^prec (".12", no trailing
 * zeros, nothing at all when 0) ending just before buf[w], returns the new
 * start and sets *vp to v/10^prec.
 */
static size_t
fmt_frac(char *buf, size_t w, uint64_t *vp, int prec)
{
	uint64_t	v = *vp, digit;
	int		i, print = 0;

	for (i = 0; i < prec; i++) {
		digit = v % 10;
		print = print || digit != 0;
		if (print)
			buf[--w] = (char)('0' + digit);
		v /= 10;
	}
	if (print)
		buf[--w] = '.';
	*vp = v;
	return w;
}

/* Go's fmtInt: writes v in decimal ending just before buf[w]. */
static size_t
fmt_int(char *buf, size_t w, uint64_t v)
{
	if (v == 0)
		buf[--w] = '0';
	else
		while (v > 0) {
			buf[--w] = (char)('0' + v % 10);
			v /= 10;
		}
	return w;
}

void
pki_duration_format(int64_t d, char *out, size_t len)
{
	char		buf[32];
	size_t		w = sizeof(buf);
	uint64_t	u = (uint64_t)d;
	int		neg = d < 0, prec;

	if (len == 0)
		return;
	if (neg)
		u = -u;
	if (u < (uint64_t)PKI_NS_PER_SEC) {
		/* Below a second: ns, µs or ms with a fraction. */
		buf[--w] = 's';
		if (u == 0) {
			snprintf(out, len, "0s");
			return;
		} else if (u < 1000) {
			prec = 0;
			buf[--w] = 'n';
		} else if (u < 1000 * 1000) {
			prec = 3;
			buf[--w] = '\xb5';
			buf[--w] = '\xc2';
		} else {
			prec = 6;
			buf[--w] = 'm';
		}
		w = fmt_frac(buf, w, &u, prec);
		w = fmt_int(buf, w, u);
	} else {
		buf[--w] = 's';
		w = fmt_frac(buf, w, &u, 9);
		/* u is now whole seconds. */
		w = fmt_int(buf, w, u % 60);
		u /= 60;
		if (u > 0) {
			buf[--w] = 'm';
			w = fmt_int(buf, w, u % 60);
			u /= 60;
			/* Hours are the largest unit, as in Go. */
			if (u > 0) {
				buf[--w] = 'h';
				w = fmt_int(buf, w, u);
			}
		}
	}
	if (neg)
		buf[--w] = '-';
	snprintf(out, len, "%.*s", (int)(sizeof(buf) - w), buf + w);
}
