/*
 * t-duration.c: pki_duration_parse / pki_duration_format against Go's
 * own time package test tables, plus the d and y extension units.
 */
#include <stdint.h>
#include <string.h>

#include "internal.h"
#include "../tap.h"

#define S	PKI_NS_PER_SEC
#define MS	INT64_C(1000000)
#define US	INT64_C(1000)
#define MIN	PKI_NS_PER_MIN
#define H	PKI_NS_PER_HOUR

static const struct {
	const char	*in;
	int64_t		 want;
} good[] = {
	/* Go's parseDurationTests. */
	{ "0", 0 },
	{ "5s", 5 * S },
	{ "30s", 30 * S },
	{ "1478s", 1478 * S },
	{ "-5s", -5 * S },
	{ "+5s", 5 * S },
	{ "-0", 0 },
	{ "+0", 0 },
	{ "5.0s", 5 * S },
	{ "5.6s", 5 * S + 600 * MS },
	{ "5.s", 5 * S },
	{ ".5s", 500 * MS },
	{ "1.0s", 1 * S },
	{ "1.00s", 1 * S },
	{ "1.004s", 1 * S + 4 * MS },
	{ "1.0040s", 1 * S + 4 * MS },
	{ "100.00100s", 100 * S + 1 * MS },
	{ "10ns", 10 },
	{ "11us", 11 * US },
	{ "12\xc2\xb5s", 12 * US },
	{ "12\xce\xbcs", 12 * US },
	{ "13ms", 13 * MS },
	{ "14s", 14 * S },
	{ "15m", 15 * MIN },
	{ "16h", 16 * H },
	{ "3h30m", 3 * H + 30 * MIN },
	{ "10.5s4m", 4 * MIN + 10 * S + 500 * MS },
	{ "-2m3.4s", -(2 * MIN + 3 * S + 400 * MS) },
	{ "1h2m3s4ms5us6ns", 1 * H + 2 * MIN + 3 * S + 4 * MS + 5 * US + 6 },
	{ "39h9m14.425s", 39 * H + 9 * MIN + 14 * S + 425 * MS },
	{ "52763797000ns", INT64_C(52763797000) },
	{ "0.3333333333333333333h", 20 * MIN },
	{ "9007199254740993ns", (INT64_C(1) << 53) + 1 },
	{ "9223372036854775807ns", INT64_MAX },
	{ "9223372036854775.807us", INT64_MAX },
	{ "9223372036s854ms775us807ns", INT64_MAX },
	{ "-9223372036854775808ns", INT64_MIN },
	{ "-9223372036854775.808us", INT64_MIN },
	{ "-9223372036s854ms775us808ns", INT64_MIN },
	{ "-2562047h47m16.854775808s", INT64_MIN },
	{ "0.100000000000000000000h", 6 * MIN },
	{ "0.830103483285477580700h", 49 * MIN + 48 * S + 372539827 },
	/* cfssl's usual values. */
	{ "8760h", 8760 * H },
	{ "43800h", 43800 * H },
	{ "1.5h", 90 * MIN },
	/* Our extension units. */
	{ "1d", 24 * H },
	{ "365d", 8760 * H },
	{ "1y", 8760 * H },
	{ "5y", 43800 * H },
	{ "1.5d", 36 * H },
	{ "1y2d3h", 8760 * H + 48 * H + 3 * H },
	{ "-1d", -24 * H },
	{ "0.5y", 4380 * H },
	{ "292y", 292 * 8760 * H },
};

static const struct {
	const char	*in;
	const char	*msg;
} bad[] = {
	{ "", "invalid duration \"\"" },
	{ "3", "missing unit in duration \"3\"" },
	{ "-", "invalid duration \"-\"" },
	{ "s", "invalid duration \"s\"" },
	{ ".", "invalid duration \".\"" },
	{ "-.", "invalid duration \"-.\"" },
	{ ".s", "invalid duration \".s\"" },
	{ "+.s", "invalid duration \"+.s\"" },
	{ "1w", "unknown unit \"w\" in duration \"1w\"" },
	{ "5", "missing unit in duration \"5\"" },
	{ "00", "missing unit in duration \"00\"" },
	{ "1h 30m", "unknown unit \"h \" in duration \"1h 30m\"" },
	{ "1D", "unknown unit \"D\" in duration \"1D\"" },
	{ "1d2", "missing unit in duration \"1d2\"" },
	{ "x", "invalid duration \"x\"" },
	{ "\x85\x85", "invalid duration \"\\x85\\x85\"" },
	{ "\xff" "ff", "invalid duration \"\\xffff\"" },
	{ "hello \xff" "ff world",
	    "invalid duration \"hello \\xffff world\"" },
	{ "\xef\xbf\xbd", "invalid duration \"\\xef\\xbf\\xbd\"" },
	{ "1\"s", "unknown unit \"\\\"s\" in duration \"1\\\"s\"" },
	{ "9223372036854775810ns",
	    "invalid duration \"9223372036854775810ns\"" },
	{ "9223372036854775808ns",
	    "invalid duration \"9223372036854775808ns\"" },
	{ "-9223372036854775809ns",
	    "invalid duration \"-9223372036854775809ns\"" },
	{ "9223372036854776us", "invalid duration \"9223372036854776us\"" },
	{ "3000000h", "invalid duration \"3000000h\"" },
	{ "9223372036854775.808us",
	    "invalid duration \"9223372036854775.808us\"" },
	{ "9223372036854ms775us808ns",
	    "invalid duration \"9223372036854ms775us808ns\"" },
	/* Past 2562047h: in days and in years. */
	{ "106752d", "invalid duration \"106752d\"" },
	{ "293y", "invalid duration \"293y\"" },
};

static const struct {
	int64_t		 in;
	const char	*want;
} fmts[] = {
	/* Go's durationTests. */
	{ 0, "0s" },
	{ 1, "1ns" },
	{ 1100, "1.1\xc2\xb5s" },
	{ 2200 * US, "2.2ms" },
	{ 3300 * MS, "3.3s" },
	{ 4 * MIN + 5 * S, "4m5s" },
	{ 4 * MIN + 5001 * MS, "4m5.001s" },
	{ 5 * H + 6 * MIN + 7001 * MS, "5h6m7.001s" },
	{ 8 * MIN + 1, "8m0.000000001s" },
	{ INT64_MAX, "2562047h47m16.854775807s" },
	{ INT64_MIN, "-2562047h47m16.854775808s" },
	/* What cfssl prints for -renewca and friends. */
	{ 43800 * H, "43800h0m0s" },
	{ 90 * MIN, "1h30m0s" },
	{ 1500 * MS, "1.5s" },
	{ -5 * MIN, "-5m0s" },
	{ 100 * MS, "100ms" },
	{ 1 * H, "1h0m0s" },
	{ 999, "999ns" },
	{ -1, "-1ns" },
};

int
main(void)
{
	struct pki_error	err;
	int64_t			ns, back;
	char			buf[64];
	size_t			i;
	int			r;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(&err, 0, sizeof(err));
		ns = 12345;
		r = pki_duration_parse(good[i].in, &ns, &err);
		if (!is_int(r, 0, "parse \"%s\" succeeds", good[i].in))
			diag("error: %s", err.text);
		is_int(ns, good[i].want, "parse \"%s\" value", good[i].in);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		ns = 12345;
		r = pki_duration_parse(bad[i].in, &ns, &err);
		is_int(r, PKI_ERR_INPUT, "parse \"%s\" fails", bad[i].in);
		is_str(err.text, bad[i].msg, "parse \"%s\" message", bad[i].in);
		is_int(ns, 0, "parse \"%s\" leaves 0", bad[i].in);
	}
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		pki_duration_format(fmts[i].in, buf, sizeof(buf));
		is_str(buf, fmts[i].want, "format %lld", (long long)fmts[i].in);
		/* Every formatted duration parses back to itself. */
		back = 1;
		r = pki_duration_parse(buf, &back, NULL);
		ok(r == 0 && back == fmts[i].in, "round trip %s", buf);
	}
	/* Truncation of the output buffer stays NUL-terminated. */
	pki_duration_format(43800 * H, buf, 4);
	is_str(buf, "438", "format truncates to the buffer");
	/* A NULL err is allowed. */
	is_int(pki_duration_parse("bogus", &ns, NULL), PKI_ERR_INPUT,
	    "NULL err accepted");
	return done_testing();
}
