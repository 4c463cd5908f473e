/*
 * t-csr.c: pki_csr_parse and the CSR helpers (reference section 3).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "../tap.h"

#define H	PKI_NS_PER_HOUR

/* Parses json with source "t.json"; err->text is "" on success. */
static int
parse(const char *json, int subject_only, int strict, struct pki_csr **csr,
    struct pki_error *err)
{
	struct pki_parse_opts	po;

	memset(&po, 0, sizeof(po));
	memset(err, 0, sizeof(*err));
	tap_warnings[0] = '\0';
	po.strict = strict;
	po.warn = tap_collect;
	return pki_csr_parse(json, strlen(json), "t.json", subject_only, &po,
	    csr, err);
}

/* Expects json to fail with code and exactly msg. */
static void
fails(const char *json, int code, const char *msg)
{
	struct pki_csr		*csr = (struct pki_csr *)1;
	struct pki_error	 err;
	int			 r;

	r = parse(json, 0, 0, &csr, &err);
	is_int(r, code, "%s: code", json);
	is_str(err.text, msg, "%s: message", json);
	ok(csr == NULL, "%s: no object", json);
	is_str(err.source, "t.json", "%s: err->source", json);
}

/*
 * Expects json to be accepted with exactly the warning lines warn (the
 * strictness policy) and, in strict mode, to fail with code and the first
 * of those lines as the message.
 */
static void
warns(const char *json, const char *warn, int code)
{
	struct pki_csr		*csr = NULL;
	struct pki_error	 err;
	char			 first[512];
	size_t			 n;

	if (is_int(parse(json, 0, 0, &csr, &err), 0, "%s: accepted", json))
		is_str(tap_warnings, warn, "%s: warning", json);
	else
		skip("%s: %s", json, err.text);
	pki_csr_free(csr);
	n = strcspn(warn, "\n");
	snprintf(first, sizeof(first), "%.*s", (int)n, warn);
	csr = (struct pki_csr *)1;
	is_int(parse(json, 0, 1, &csr, &err), code, "%s: -strict: code", json);
	is_str(err.text, first, "%s: -strict: message", json);
	ok(csr == NULL, "%s: -strict: no object", json);
}

/* Expects the key section of json to parse to algo-size. */
static void
key_is(const char *json, const char *algo, int size)
{
	struct pki_csr		*csr = NULL;
	struct pki_error	 err;

	if (!is_int(parse(json, 0, 0, &csr, &err), 0, "%s parses", json)) {
		diag("%s", err.text);
		skip("no csr");
		skip("no csr");
		return;
	}
	is_str(csr->key_algo, algo, "%s: algo", json);
	is_int(csr->key_size, size, "%s: size", json);
	pki_csr_free(csr);
}

static void
test_defaults(void)
{
	struct pki_csr		*csr = NULL;
	struct pki_error	 err;
	char			 desc[32];

	is_int(parse("{}", 0, 0, &csr, &err), 0, "{} parses");
	ok(csr != NULL, "{} gives an object");
	if (csr == NULL)
		return;
	is_str(csr->key_algo, "ecdsa", "{}: default algo");
	is_int(csr->key_size, 256, "{}: default size");
	ok(csr->cn == NULL, "{}: no CN");
	is_int((long long)csr->nnames, 0, "{}: no names");
	is_int((long long)pki_csr_nhosts(csr), 0, "{}: no hosts");
	is_int(pki_csr_has_ca(csr), 0, "{}: no ca");
	is_int(csr->delegation_enabled, 0, "{}: no delegation");
	is_int((long long)csr->nexts, 0, "{}: no extensions");
	is_str(csr->source, "t.json", "{}: source kept");
	pki_csr_key_desc(csr, desc, sizeof(desc));
	is_str(desc, "ecdsa-256", "{}: key desc");
	is_str(tap_warnings, "", "{}: no warnings");
	pki_csr_free(csr);

	key_is("{\"key\":null}", "ecdsa", 256);
	key_is("{\"key\":{}}", "ecdsa", 256);
	key_is("{\"key\":{\"size\":384}}", "ecdsa", 384);
	key_is("{\"key\":{\"algo\":\"ecdsa\",\"size\":521}}", "ecdsa", 521);
	key_is("{\"key\":{\"algo\":\"rsa\",\"size\":2048}}", "rsa", 2048);
	key_is("{\"key\":{\"algo\":\"rsa\",\"size\":2049}}", "rsa", 2049);
	key_is("{\"key\":{\"algo\":\"rsa\",\"size\":8192}}", "rsa", 8192);
	key_is("{\"key\":{\"algo\":\"ed25519\"}}", "ed25519", 256);
	key_is("{\"key\":{\"algo\":\"ed25519\",\"size\":0}}", "ed25519", 256);
	key_is("{\"key\":{\"algo\":\"ed25519\",\"size\":4096}}", "ed25519",
	    256);
	key_is("{\"key\":{\"algo\":\"ecdsa\",\"size\":null}}", "ecdsa", 256);
}

static void
test_key_errors(void)
{
	fails("{\"key\":{\"algo\":\"rsa\",\"size\":2047}}", PKI_ERR_KEY,
	    "t.json: key.size: 2047 is too small for rsa (2048..8192)");
	fails("{\"key\":{\"algo\":\"rsa\",\"size\":1024}}", PKI_ERR_KEY,
	    "t.json: key.size: 1024 is too small for rsa (2048..8192)");
	fails("{\"key\":{\"algo\":\"rsa\",\"size\":8193}}", PKI_ERR_KEY,
	    "t.json: key.size: 8193 is too large for rsa (2048..8192)");
	fails("{\"key\":{\"algo\":\"rsa\"}}", PKI_ERR_KEY,
	    "t.json: key.size: rsa needs a size (2048..8192)");
	fails("{\"key\":{\"algo\":\"RSA\",\"size\":2048}}", PKI_ERR_KEY,
	    "t.json: key.algo: unknown algorithm \"RSA\" (rsa, ecdsa, "
	    "ed25519)");
	fails("{\"key\":{\"size\":255}}", PKI_ERR_KEY,
	    "t.json: key.size: 255 is not a valid ecdsa size (256, 384 or "
	    "521)");
	fails("{\"key\":{\"algo\":\"ecdsa\",\"size\":2048}}", PKI_ERR_KEY,
	    "t.json: key.size: 2048 is not a valid ecdsa size (256, 384 or "
	    "521)");
	fails("{\"key\":{\"size\":\"256\"}}", PKI_ERR_INPUT,
	    "t.json: key.size: expected integer, got string");
	fails("{\"key\":{\"size\":256.0}}", PKI_ERR_INPUT,
	    "t.json: key.size: expected integer, got real");
	fails("{\"key\":{\"size\":-1}}", PKI_ERR_INPUT,
	    "t.json: key.size: -1 is negative (minimum 0)");
	fails("{\"key\":{\"size\":4294967296}}", PKI_ERR_INPUT,
	    "t.json: key.size: 4294967296 is too large (maximum 2147483647)");
	fails("{\"key\":\"rsa\"}", PKI_ERR_INPUT,
	    "t.json: key: expected object, got string");
	fails("{\"key\":{\"algo\":5}}", PKI_ERR_INPUT,
	    "t.json: key.algo: expected string, got integer");
}

static void
test_syntax(void)
{
	struct pki_csr		*csr = NULL;
	struct pki_error	 err;

	fails("{\"CN\":\"a\",}", PKI_ERR_JSON,
	    "t.json:1:11: string or '}' expected near '}'");
	is_int(parse("{\n  \"CN\": tru\n}", 0, 0, &csr, &err), PKI_ERR_JSON,
	    "bad literal fails");
	is_int(err.line, 2, "bad literal: line");
	ok(err.column > 0, "bad literal: column %d", err.column);
	fails("{} {}", PKI_ERR_JSON, "t.json:1:4: end of file expected near "
	    "'{'");
	fails("", PKI_ERR_JSON, "t.json: empty input, expected a JSON object");
	fails(" \t ", PKI_ERR_JSON,
	    "t.json: empty input, expected a JSON object");
	fails("[]", PKI_ERR_INPUT, "t.json: expected object, got array");
	fails("null", PKI_ERR_INPUT, "t.json: expected object, got null");
	/* A repeated key: the last one wins, as Go decodes it. */
	warns("{\"CN\":\"a\",\"CN\":\"b\"}", "t.json: CN: key \"CN\" "
	    "repeated in one object; the last one wins, as in cfssl\n",
	    PKI_ERR_INPUT);
	if (is_int(parse("{\"CN\":\"a\",\"names\":[{\"OU\":\"x\",\"O\":\"o\","
	    "\"OU\":\"y\"}],\"CN\":\"b\",\"k\\u0065y\":{},\"key\":{\"size\":384,"
	    "\"size\":521}}", 0, 0, &csr, &err), 0, "repeated keys: accepted")) {
		is_str(csr->cn, "b", "repeated CN: the last one");
		is_str(csr->names[0].ou, "y", "repeated names[0].OU: the last one");
		is_int(csr->key_size, 521, "repeated key.size: the last one");
		is_str(tap_warnings, "t.json: names[0].OU: key \"OU\" repeated "
		    "in one object; the last one wins, as in cfssl\n"
		    "t.json: CN: key \"CN\" repeated in one object; the last one "
		    "wins, as in cfssl\n"
		    "t.json: key: key \"key\" repeated in one object; the last one "
		    "wins, as in cfssl\n"
		    "t.json: key.size: key \"size\" repeated in one object; the "
		    "last one wins, as in cfssl\n",
		    "repeated keys: one warning each, escapes decoded");
	}
	pki_csr_free(csr);
	csr = NULL;
	fails("{\"CN\":\"a\\u0000b\"}", PKI_ERR_JSON,
	    "t.json:1:16: NUL character (\\u0000) in a string");
	/* A NUL byte in the buffer itself. */
	is_int(pki_csr_parse("{}\0{}", 5, "t.json", 0, NULL, &csr, &err),
	    PKI_ERR_JSON, "NUL byte after the object fails");
	ok(csr == NULL, "NUL byte: no object");
}

static void
test_case_insensitive(void)
{
	struct pki_csr		*csr = NULL;
	struct pki_error	 err;

	if (!is_int(parse("{\"cn\":\"x\",\"Hosts\":[\"a\"],\"KEY\":{\"Algo\":"
	    "\"rsa\",\"SIZE\":3072},\"NAMES\":[{\"c\":\"US\",\"st\":\"CA\","
	    "\"ou\":\"ops\",\"serialNumber\":\"9\",\"oid\":{\"1.2.3\":\"v\"}}],"
	    "\"SerialNumber\":\"42\",\"Delegation_Enabled\":true,"
	    "\"CRL_URL\":\"http://crl\",\"Ca\":{\"PathLen\":2}}", 0, 1, &csr,
	    &err), 0, "case variants parse, even in strict mode")) {
		diag("%s", err.text);
		return;
	}
	is_str(csr->cn, "x", "cn -> CN");
	is_int((long long)csr->hosts.n, 1, "Hosts -> hosts");
	is_str(csr->key_algo, "rsa", "Algo -> algo");
	is_int(csr->key_size, 3072, "SIZE -> size");
	is_str(csr->names[0].c, "US", "c -> C");
	is_str(csr->names[0].st, "CA", "st -> ST");
	is_str(csr->names[0].ou, "ops", "ou -> OU");
	is_str(csr->names[0].serialnumber, "9", "serialNumber -> SerialNumber");
	is_int((long long)csr->names[0].noids, 1, "oid -> OID");
	is_str(csr->serialnumber, "42", "SerialNumber -> serialnumber");
	is_int(csr->delegation_enabled, 1, "Delegation_Enabled");
	is_str(csr->crl_url, "http://crl", "CRL_URL");
	is_int(csr->ca_pathlen, 2, "Ca.PathLen");
	is_str(tap_warnings, "", "no warnings for case variants");
	pki_csr_free(csr);

	/* Two spellings of one key: Go takes the later one. */
	warns("{\"CN\":\"a\",\"cn\":\"b\"}", "t.json: cn: \"CN\" and \"cn\" "
	    "are the same key to cfssl (case is ignored); the last one wins, as "
	    "in cfssl\n", PKI_ERR_INPUT);
	warns("{\"key\":{\"algo\":\"rsa\",\"ALGO\":\"ecdsa\"}}", "t.json: key.ALGO: "
	    "\"algo\" and \"ALGO\" are the same key to cfssl (case is ignored); "
	    "the last one wins, as in cfssl\n", PKI_ERR_INPUT);
	warns("{\"names\":[{\"O\":\"a\"},{\"o\":\"b\",\"O\":\"c\"}]}",
	    "t.json: names[1].O: \"o\" and \"O\" are the same key to cfssl "
	    "(case is ignored); the last one wins, as in cfssl\n", PKI_ERR_INPUT);
	if (is_int(parse("{\"CN\":\"a\",\"cn\":\"b\",\"names\":[{\"o\":\"b\","
	    "\"O\":\"c\"}]}", 0, 0, &csr, &err), 0, "case repetitions: accepted")) {
		is_str(csr->cn, "b", "CN then cn: cn's value");
		is_str(csr->names[0].o, "c", "o then O: O's value");
	}
	pki_csr_free(csr);
	csr = NULL;
}

static void
test_unknown_keys(void)
{
	struct pki_csr		*csr = NULL;
	struct pki_error	 err;

	is_int(parse("{\"ca\":{\"expire\":\"1h\"},\"expiry\":\"8760h\","
	    "\"usages\":[],\"delegationEnabled\":true,\"zzz\":1}", 0, 0, &csr,
	    &err), 0, "unknown keys are warnings");
	is_str(tap_warnings,
	    "t.json: expiry: unknown key \"expiry\" (a CSR has no expiry: use "
	    "\"ca\": {\"expiry\": ...} with -initca, or the profile's expiry "
	    "in the signing config)\n"
	    "t.json: usages: unknown key \"usages\" (usages belong in the "
	    "signing config's profiles)\n"
	    "t.json: delegationEnabled: unknown key \"delegationEnabled\", did "
	    "you mean "
	    "\"delegation_enabled\"?\n"
	    "t.json: zzz: unknown key \"zzz\" (known: CN, names, hosts, key, "
	    "ca, serialnumber, delegation_enabled, extensions, crl_url)\n"
	    "t.json: ca.expire: unknown key \"expire\", did you mean "
	    "\"expiry\"?\n",
	    "warning texts");
	pki_csr_free(csr);
	csr = NULL;

	is_int(parse("{\"PathLen\":1}", 0, 1, &csr, &err),
	    PKI_ERR_UNKNOWN_KEY, "strict: misplaced key");
	is_str(err.text, "t.json: PathLen: unknown key \"PathLen\", did you "
	    "mean \"ca.pathlen\"?", "strict: misplaced key hint");
	is_int(parse("{\"ca\":{\"expire\":\"1h\"}}", 0, 1, &csr, &err),
	    PKI_ERR_UNKNOWN_KEY, "strict: unknown key is an error");
	is_str(err.text, "t.json: ca.expire: unknown key \"expire\", did you "
	    "mean \"expiry\"?", "strict: message");
	ok(csr == NULL, "strict: no object");
	is_int(parse("{\"names\":[{\"OU\":\"x\",\"Email\":\"a@b\"}]}", 0, 1,
	    &csr, &err), PKI_ERR_UNKNOWN_KEY, "strict: nested unknown key");
	is_str(err.text, "t.json: names[0].Email: unknown key \"Email\" "
	    "(known: C, ST, L, O, OU, E, SerialNumber, OID)",
	    "strict: nested message");

	/* No warning sink and no options at all. */
	is_int(pki_csr_parse("{\"x\":1}", 7, "t.json", 0, NULL, &csr, &err),
	    0, "NULL opts: unknown key ignored");
	pki_csr_free(csr);
}

static void
test_names(void)
{
	struct pki_csr		*csr = NULL;
	struct pki_error	 err;

	if (!is_int(parse("{\"CN\":\"c\",\"names\":[{\"C\":\"US\","
	    "\"ST\":\"CA\",\"L\":\"SF\",\"O\":\"Org\",\"OU\":\"Unit\","
	    "\"E\":\"a@b.c\","
	    "\"OID\":{\"1.2.3.4.5\":\"abc\",\"2.5.4.42\":\"Given\"}},"
	    "{\"O\":\"Org2\",\"OID\":null}],\"serialnumber\":\"s1\"}", 0, 0,
	    &csr, &err), 0, "names parse")) {
		diag("%s", err.text);
		return;
	}
	is_int((long long)csr->nnames, 2, "two names");
	is_str(csr->names[0].l, "SF", "names[0].L");
	is_str(csr->names[0].o, "Org", "names[0].O");
	is_str(csr->names[0].e, "a@b.c", "names[0].E");
	is_int((long long)csr->names[0].noids, 2, "two OIDs");
	is_str(csr->names[0].oids[0].oid, "1.2.3.4.5", "OID order kept (1)");
	is_str(csr->names[0].oids[0].value, "abc", "OID value (1)");
	is_str(csr->names[0].oids[1].oid, "2.5.4.42", "OID order kept (2)");
	is_str(csr->names[1].o, "Org2", "names[1].O");
	ok(csr->names[1].c == NULL, "names[1].C absent");
	is_int((long long)csr->names[1].noids, 0, "null OID map");
	is_str(csr->serialnumber, "s1", "serialnumber");
	is_int(pki_csr_check_subject(csr, &err), 0, "subject check passes");
	pki_csr_free(csr);

	fails("{\"names\":[{\"OID\":{\"abc\":\"abc\"}}]}", PKI_ERR_INPUT,
	    "t.json: names[0].OID: invalid OID part abc");
	fails("{\"names\":[{\"O\":\"x\"},{\"OID\":{\"1\":\"v\"}}]}",
	    PKI_ERR_INPUT, "t.json: names[1].OID: invalid OID \"1\": at least "
	    "two arcs needed");
	fails("{\"names\":[{\"OID\":{\"3.1\":\"v\"}}]}", PKI_ERR_INPUT,
	    "t.json: names[0].OID: invalid OID \"3.1\": the first arc must be "
	    "0, 1 or 2");
	fails("{\"names\":[{\"OID\":{\"1.40\":\"v\"}}]}", PKI_ERR_INPUT,
	    "t.json: names[0].OID: invalid OID \"1.40\": the second arc must "
	    "be at most 39 when the first is 0 or 1");
	fails("{\"names\":[{\"OID\":{\"1.2..3\":\"v\"}}]}", PKI_ERR_INPUT,
	    "t.json: names[0].OID: invalid OID part \"\"");
	fails("{\"names\":[{\"OID\":{\"1.02\":\"v\"}}]}", PKI_ERR_INPUT,
	    "t.json: names[0].OID: invalid OID part 02");
	fails("{\"names\":[{\"OID\":{\"1.2\":5}}]}", PKI_ERR_INPUT,
	    "t.json: names[0].OID.1.2: expected string, got integer");
	fails("{\"names\":{\"C\":\"US\"}}", PKI_ERR_INPUT,
	    "t.json: names: expected array, got object");
	fails("{\"names\":[null]}", PKI_ERR_INPUT,
	    "t.json: names[0]: expected object, got null");
	fails("{\"names\":[{\"C\":1}]}", PKI_ERR_INPUT,
	    "t.json: names[0].C: expected string, got integer");
	/* 2.x has no limit on the second arc. */
	is_int(parse("{\"names\":[{\"OID\":{\"2.999.1\":\"v\"}}]}", 0, 0,
	    &csr, &err), 0, "OID 2.999.1 is valid");
	pki_csr_free(csr);
}

static void
test_hosts_split(void)
{
	struct pki_error	 err;
	char			**v = NULL;
	size_t			 n = 0;

	memset(&err, 0, sizeof(err));
	is_int(pki_hosts_split("a, b,,c", &v, &n, &err), 0, "hosts_split");
	ok(n == 4 && strcmp(v[0], "a") == 0 && strcmp(v[1], " b") == 0 &&
	    strcmp(v[2], "") == 0 && strcmp(v[3], "c") == 0,
	    "hosts_split: 4 items, not trimmed, empty kept");
	pki_strv_free(v, n);
	is_int(pki_hosts_split("", &v, &n, &err), 0, "hosts_split \"\"");
	ok(v == NULL && n == 0, "hosts_split: \"\" is no hosts");
	is_int(pki_hosts_split(",", &v, &n, &err), 0, "hosts_split \",\"");
	ok(n == 2 && *v[0] == '\0' && *v[1] == '\0', "hosts_split: \",\" is "
	    "two empty hosts");
	pki_strv_free(v, n);
}

/* pki_csr_hosts_copy: the CSR JSON's hosts, or none at all (NULL). */
static void
test_hosts_copy(struct pki_csr *csr)
{
	struct pki_error	 err;
	char			**v = NULL;
	size_t			  n = 9;

	is_int(pki_csr_set_hosts(csr, "a,,10.0.0.1", NULL, &err), 0,
	    "hosts_copy: three hosts");
	is_int(pki_csr_hosts_copy(csr, &v, &n, &err), 0, "hosts_copy");
	ok(n == 3 && v != NULL && strcmp(v[0], "a") == 0 &&
	    strcmp(v[1], "") == 0 && strcmp(v[2], "10.0.0.1") == 0 &&
	    v[3] == NULL && v[0] != csr->hosts.v[0],
	    "hosts_copy: copies, in order, NULL-terminated");
	pki_strv_free(v, n);
	is_int(pki_csr_set_hosts(csr, "", NULL, &err), 0, "hosts_copy: none");
	v = (char **)&n;
	is_int(pki_csr_hosts_copy(csr, &v, &n, &err), 0, "hosts_copy: none");
	ok(v == NULL && n == 0, "hosts_copy: no hosts is NULL, 0");
	is_int(pki_csr_set_hosts(csr, "only", NULL, &err), 0,
	    "hosts_copy: back to one host");
}

static void
test_hosts(void)
{
	struct pki_csr		*csr = NULL;
	struct pki_error	 err;

	is_int(parse("{\"hosts\":[\"a.example\",\"\",\"10.0.0.1\"]}", 0, 0,
	    &csr, &err), 0, "hosts parse");
	is_int((long long)pki_csr_nhosts(csr), 3, "three hosts, \"\" kept");
	is_str(csr->hosts.v[1], "", "empty host kept");
	is_str(csr->hosts.v[2], "10.0.0.1", "hosts order");

	is_int(pki_csr_set_hosts(csr, "a, b,,c", NULL, &err), 0, "set_hosts");
	is_int((long long)pki_csr_nhosts(csr), 4, "set_hosts: 4 items");
	is_str(csr->hosts.v[0], "a", "set_hosts[0]");
	is_str(csr->hosts.v[1], " b", "set_hosts[1] not trimmed");
	is_str(csr->hosts.v[2], "", "set_hosts[2] empty kept");
	is_str(csr->hosts.v[3], "c", "set_hosts[3]");
	is_int(pki_csr_set_hosts(csr, ",", NULL, &err), 0, "set_hosts \",\"");
	is_int((long long)pki_csr_nhosts(csr), 2, "\",\" is two empty hosts");
	is_int(pki_csr_set_hosts(csr, "", NULL, &err), 0, "set_hosts \"\"");
	is_int((long long)pki_csr_nhosts(csr), 0, "\"\" is no hosts");
	is_int(pki_csr_set_hosts(csr, "only", NULL, &err), 0, "set_hosts one");
	is_int((long long)pki_csr_nhosts(csr), 1, "one host");
	test_hosts_split();
	test_hosts_copy(csr);

	is_int(pki_csr_set_cn(csr, "new cn", NULL, &err), 0, "set_cn");
	is_str(csr->cn, "new cn", "set_cn value");
	pki_csr_free(csr);

	fails("{\"hosts\":\"a,b\"}", PKI_ERR_INPUT,
	    "t.json: hosts: expected array, got string");
	fails("{\"hosts\":[\"a\",null]}", PKI_ERR_INPUT,
	    "t.json: hosts[1]: expected string, got null");
}

static void
test_ca(void)
{
	struct pki_csr		*csr = NULL;
	struct pki_error	 err;

	is_int(parse("{\"CN\":\"ca\",\"ca\":{\"pathlen\":1,"
	    "\"pathlenzero\":true,\"expiry\":\"5y\",\"backdate\":\"1h\"},"
	    "\"crl_url\":\"http://c\"}",
	    0, 0, &csr, &err), 0, "ca section parses");
	is_int(pki_csr_has_ca(csr), 1, "has_ca");
	is_int(csr->ca_pathlen, 1, "pathlen");
	is_int(csr->ca_pathlenzero, 1, "pathlenzero");
	is_int(csr->has_ca_expiry, 1, "has expiry");
	is_int(csr->ca_expiry, 43800 * H, "expiry 5y = 43800h");
	is_int(csr->has_ca_backdate, 1, "has backdate");
	is_int(csr->ca_backdate, 1 * H, "backdate");
	is_str(csr->crl_url, "http://c", "crl_url");
	pki_csr_free(csr);

	is_int(parse("{\"ca\":null}", 0, 0, &csr, &err), 0, "ca: null");
	is_int(pki_csr_has_ca(csr), 0, "ca: null is no ca");
	pki_csr_free(csr);
	is_int(parse("{\"ca\":{}}", 0, 0, &csr, &err), 0, "ca: {}");
	is_int(pki_csr_has_ca(csr), 1, "ca: {} is a ca");
	is_int(csr->has_ca_expiry, 0, "ca: {} has no expiry");
	pki_csr_free(csr);

	fails("{\"ca\":{\"expiry\":\"1d2\"}}", PKI_ERR_INPUT,
	    "t.json: ca.expiry: missing unit in duration \"1d2\"");
	fails("{\"ca\":{\"expiry\":\"1/1/2015\"}}", PKI_ERR_INPUT,
	    "t.json: ca.expiry: unknown unit \"/\" in duration \"1/1/2015\"");
	fails("{\"ca\":{\"expiry\":\"2w\"}}", PKI_ERR_INPUT,
	    "t.json: ca.expiry: unknown unit \"w\" in duration \"2w\"");
	fails("{\"ca\":{\"expiry\":\"-1h\"}}", PKI_ERR_INPUT,
	    "t.json: ca.expiry: must be positive (got \"-1h\")");
	fails("{\"ca\":{\"expiry\":\"0\"}}", PKI_ERR_INPUT,
	    "t.json: ca.expiry: must be positive (got \"0\")");
	fails("{\"ca\":{\"expiry\":43800}}", PKI_ERR_INPUT,
	    "t.json: ca.expiry: expected string, got integer");
	fails("{\"ca\":{\"backdate\":\"-5m\"}}", PKI_ERR_INPUT,
	    "t.json: ca.backdate: must not be negative (got \"-5m\")");
	fails("{\"ca\":{\"pathlen\":-1}}", PKI_ERR_INPUT,
	    "t.json: ca.pathlen: -1 is negative (minimum 0)");
	fails("{\"ca\":{\"pathlenzero\":\"true\"}}", PKI_ERR_INPUT,
	    "t.json: ca.pathlenzero: expected boolean, got string");
	fails("{\"ca\":true}", PKI_ERR_INPUT,
	    "t.json: ca: expected object, got boolean");
}

static void
test_extensions(void)
{
	struct pki_csr		*csr = NULL;
	struct pki_error	 err;

	if (!is_int(parse("{\"extensions\":[{\"Id\":[1,3,6,1,4,1,44363,44],"
	    "\"Critical\":false,\"Value\":\"BQA=\"},{\"id\":[2,5,29,19],"
	    "\"critical\":true,\"value\":\"MAMBAf8=\"},{\"Id\":[1,2,3],"
	    "\"Value\":\"\"},{\"Id\":[1,2,4],\"Value\":\"YWI=\"},"
	    "{\"Id\":[1,2,5],\"Value\":\"YWJj\"}]}", 0, 0, &csr, &err), 0,
	    "extensions parse")) {
		diag("%s", err.text);
		return;
	}
	is_int((long long)csr->nexts, 5, "five extensions");
	is_str(csr->exts[0].oid, "1.3.6.1.4.1.44363.44", "ext[0] oid");
	is_int(csr->exts[0].critical, 0, "ext[0] not critical");
	is_int((long long)csr->exts[0].len, 2, "ext[0] length");
	ok(memcmp(csr->exts[0].value, "\x05\x00", 2) == 0, "ext[0] value");
	is_str(csr->exts[1].oid, "2.5.29.19", "ext[1] oid (lower-case keys)");
	is_int(csr->exts[1].critical, 1, "ext[1] critical");
	is_int((long long)csr->exts[1].len, 5, "ext[1] length");
	ok(memcmp(csr->exts[1].value, "\x30\x03\x01\x01\xff", 5) == 0,
	    "ext[1] value");
	is_int((long long)csr->exts[2].len, 0, "ext[2] empty value");
	ok(csr->exts[2].value != NULL, "ext[2] value not NULL");
	is_int((long long)csr->exts[3].len, 2, "ext[3] one '=' pad");
	ok(memcmp(csr->exts[3].value, "ab", 2) == 0, "ext[3] value");
	is_int((long long)csr->exts[4].len, 3, "ext[4] no pad");
	ok(memcmp(csr->exts[4].value, "abc", 3) == 0, "ext[4] value");
	pki_csr_free(csr);

	fails("{\"extensions\":[{\"Id\":[1,2,3],\"Value\":\"BQA\"}]}",
	    PKI_ERR_INPUT, "t.json: extensions[0].Value: invalid base64 "
	    "(expected standard base64 with padding, e.g. \"BQA=\")");
	fails("{\"extensions\":[{\"Id\":[1,2,3],\"Value\":\"B=QA\"}]}",
	    PKI_ERR_INPUT, "t.json: extensions[0].Value: invalid base64 "
	    "(expected standard base64 with padding, e.g. \"BQA=\")");
	fails("{\"extensions\":[{\"Id\":[1,2,3],\"Value\":\"BQ-_\"}]}",
	    PKI_ERR_INPUT, "t.json: extensions[0].Value: invalid base64 "
	    "(expected standard base64 with padding, e.g. \"BQA=\")");
	fails("{\"extensions\":[{\"Value\":\"BQA=\"}]}", PKI_ERR_INPUT,
	    "t.json: extensions[0].Id: missing");
	fails("{\"extensions\":[{\"Id\":\"1.2.3\"}]}", PKI_ERR_INPUT,
	    "t.json: extensions[0].Id: expected array, got string");
	fails("{\"extensions\":[{\"Id\":[1,\"2\"]}]}", PKI_ERR_INPUT,
	    "t.json: extensions[0].Id[1]: expected integer, got string");
	fails("{\"extensions\":[{\"Id\":[1]}]}", PKI_ERR_INPUT,
	    "t.json: extensions[0].Id: invalid OID \"1\": at least two arcs "
	    "needed");
	fails("{\"extensions\":[{\"Id\":[]}]}", PKI_ERR_INPUT,
	    "t.json: extensions[0].Id: invalid OID \"\"");
	fails("{\"extensions\":[{\"Id\":[1,-2]}]}", PKI_ERR_INPUT,
	    "t.json: extensions[0].Id[1]: -2 is negative (minimum 0)");
	fails("{\"extensions\":[{\"Id\":[1,2],\"Critical\":1}]}",
	    PKI_ERR_INPUT,
	    "t.json: extensions[0].Critical: expected boolean, got integer");
}

static void
test_subject_only(void)
{
	struct pki_csr		*csr = NULL;
	struct pki_error	 err;

	is_int(parse("{\"CN\":\"s\",\"names\":[{\"O\":\"o\"}],"
	    "\"serialnumber\":\"7\",\"hosts\":[\"x\"]}", 1, 0, &csr, &err), 0,
	    "subject file parses");
	is_str(csr->cn, "s", "subject CN");
	is_str(csr->names[0].o, "o", "subject names");
	is_str(csr->serialnumber, "7", "subject serialnumber (case-folded)");
	is_int((long long)pki_csr_nhosts(csr), 0, "subject hosts ignored");
	is_int(csr->subject_only, 1, "subject_only set");
	is_str(tap_warnings, "t.json: hosts: unknown key \"hosts\" (known: CN, "
	    "names, SerialNumber)\n", "subject: hosts is unknown");
	pki_csr_free(csr);
	is_int(parse("{\"key\":{\"algo\":\"rsa\"}}", 1, 1, &csr, &err),
	    PKI_ERR_UNKNOWN_KEY, "subject strict: key unknown");
	is_str(err.text, "t.json: key: unknown key \"key\" (known: CN, names, "
	    "SerialNumber)", "subject strict: message");
}

static void
test_check_subject(void)
{
	struct pki_csr		*csr = NULL;
	struct pki_error	 err;
	static const char	 msg[] = "t.json: missing subject information: "
	    "set CN or give every names[] entry one of C, ST, L, O, OU";
	static const struct {
		const char	*json;
		int		 want;
	} cases[] = {
		{ "{\"CN\":\"x\"}", 0 },
		{ "{\"names\":[{\"C\":\"US\"}]}", 0 },
		{ "{\"names\":[{\"OU\":\"u\"},{\"L\":\"l\"}]}", 0 },
		{ "{}", PKI_ERR_INPUT },
		{ "{\"CN\":\"\"}", PKI_ERR_INPUT },
		{ "{\"names\":[]}", PKI_ERR_INPUT },
		{ "{\"names\":[{\"C\":\"US\"},{\"E\":\"a@b\"}]}",
		    PKI_ERR_INPUT },
		{ "{\"names\":[{\"C\":\" \\t\"}]}", PKI_ERR_INPUT },
		{ "{\"names\":[{\"SerialNumber\":\"1\","
		    "\"OID\":{\"1.2\":\"v\"}}]}",
		    PKI_ERR_INPUT },
	};
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (parse(cases[i].json, 0, 0, &csr, &err) != 0) {
			ok(0, "%s parses: %s", cases[i].json, err.text);
			continue;
		}
		memset(&err, 0, sizeof(err));
		is_int(pki_csr_check_subject(csr, &err), cases[i].want,
		    "check_subject %s", cases[i].json);
		is_str(err.text, cases[i].want == 0 ? "" : msg,
		    "check_subject %s message", cases[i].json);
		pki_csr_free(csr);
	}
}

static void
test_key_desc(void)
{
	static const struct {
		const char	*json;
		const char	*desc;
	} cases[] = {
		{ "{\"key\":{\"algo\":\"rsa\",\"size\":2048}}", "rsa-2048" },
		{ "{\"key\":{\"size\":521}}", "ecdsa-521" },
		{ "{\"key\":{\"algo\":\"ed25519\"}}", "ed25519" },
	};
	struct pki_csr		*csr = NULL;
	struct pki_error	 err;
	char			 buf[32];
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (parse(cases[i].json, 0, 0, &csr, &err) != 0) {
			ok(0, "%s parses: %s", cases[i].json, err.text);
			continue;
		}
		pki_csr_key_desc(csr, buf, sizeof(buf));
		is_str(buf, cases[i].desc, "key_desc %s", cases[i].json);
		pki_csr_free(csr);
	}
}

/* The cfssl fixtures, when the shared folder is there. */
static void
test_fixtures(void)
{
	static const struct {
		const char	*path;
		int		 want;
	} cases[] = {
		{ "testdata/csr.json", 0 },
		{ "cli/testdata/csr.json", 0 },
		{ "cli/testdata/bad_oid_csr.json", PKI_ERR_INPUT },
		{ "cli/testdata/bad_csr.json", PKI_ERR_JSON },
		{ "initca/testdata/ca_csr_ed25519.json", 0 },
	};
	struct pki_csr		*csr = NULL;
	struct pki_error	 err;
	char			 rel[256], *buf;
	size_t			 i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(rel, sizeof(rel), "../shared/fixtures/cfssl/%s",
		    cases[i].path);
		if ((buf = tap_slurp(tap_srcpath(rel), &len)) == NULL) {
			skip("%s not present", rel);
			continue;
		}
		memset(&err, 0, sizeof(err));
		is_int(pki_csr_parse(buf, len, cases[i].path, 0, NULL, &csr,
		    &err), cases[i].want, "fixture %s", cases[i].path);
		pki_csr_free(csr);
		csr = NULL;
		free(buf);
	}
}

/*
 * A pipe the caller hands over by name (/dev/fd/N, /proc/self/fd/N, as
 * bash's <(...) does) is read; a FIFO found in the file system is not.
 */
static void
pipe_inputs(const char *dir)
{
	static const char *const	 pre[] = { "/dev/fd/", "/proc/self/fd/" };
	struct pki_error		 err;
	char				 name[300], *buf = NULL;
	size_t				 len = 0, i;
	int				 p[2];

	for (i = 0; i < 2; i++) {
		memset(&err, 0, sizeof(err));
		if (pipe(p) == -1 || write(p[1], "piped", 5) != 5) {
			skip("pipe: %s", strerror(errno));
			skip("pipe");
			continue;
		}
		(void)close(p[1]);
		snprintf(name, sizeof(name), "%s%d", pre[i], p[0]);
		is_int(pki_input_read(name, 0, 100, &buf, &len, &err), 0,
		    "%s: a pipe handed over is read", name);
		ok(buf != NULL && strcmp(buf, "piped") == 0, "... all of it");
		free(buf);
		buf = NULL;
		(void)close(p[0]);
	}
	snprintf(name, sizeof(name), "%s/fifo", dir);
	if (mkfifo(name, 0600) == -1) {
		skip("mkfifo: %s", strerror(errno));
		skip("mkfifo");
		return;
	}
	is_int(pki_input_read(name, 0, 100, &buf, &len, &err), PKI_ERR_INPUT,
	    "a FIFO in the file system: refused, no wait");
	ok(strstr(err.text, "fifo: not a regular file (a FIFO)") != NULL,
	    "... says so: %s", err.text);
	(void)unlink(name);
}

/* pki_input_read: files, prefixes, the size cap. */
static void
test_input(void)
{
	struct pki_error	 err;
	char			 dir[] = "/tmp/t-csr.XXXXXX", path[256];
	char			 spec[300], colon[300], *buf = NULL;
	size_t			 len = 0;
	FILE			*f;

	if (mkdtemp(dir) == NULL) {
		skip("mkdtemp failed");
		return;
	}
	snprintf(path, sizeof(path), "%s/in.json", dir);
	snprintf(colon, sizeof(colon), "%s/x:y", dir);
	if ((f = fopen(path, "w")) == NULL) {
		skip("cannot write %s", path);
		return;
	}
	fputs("{\"CN\":\"x\"}", f);
	fclose(f);
	if ((f = fopen(colon, "w")) != NULL) {
		fputs("colon", f);
		fclose(f);
	}

	memset(&err, 0, sizeof(err));
	is_int(pki_input_read(path, 0, 100, &buf, &len, &err), 0,
	    "read a file");
	is_int((long long)len, 10, "file length");
	is_str(buf, "{\"CN\":\"x\"}", "file contents, NUL-terminated");
	free(buf);

	snprintf(spec, sizeof(spec), "file:%s", path);
	is_int(pki_input_read(spec, 1, 100, &buf, &len, &err), 0,
	    "file: prefix");
	is_int((long long)len, 10, "file: length");
	free(buf);
	is_int(pki_input_read(spec, 0, 100, &buf, &len, &err), PKI_ERR_IO,
	    "file: prefix is a plain name without allow_prefix");
	ok(buf == NULL && len == 0, "failure leaves *buf NULL");

	is_int(pki_input_read(path, 0, 9, &buf, &len, &err), PKI_ERR_TOO_BIG,
	    "size cap");
	snprintf(spec, sizeof(spec), "%s: larger than 9 bytes", path);
	is_str(err.text, spec, "size cap message");
	is_int(pki_input_read(path, 0, 10, &buf, &len, &err), 0,
	    "exactly at the cap");
	free(buf);

	is_int(pki_input_read("/nonexistent/ca.pem", 1, 100, &buf, &len,
	    &err), PKI_ERR_IO, "missing file");
	is_str(err.text, "/nonexistent/ca.pem: No such file or directory",
	    "missing file message");
	is_int(err.sys_errno, ENOENT, "missing file errno");
	is_str(err.source, "/nonexistent/ca.pem", "missing file source");

	setenv("T_CSR_INPUT", "secret", 1);
	is_int(pki_input_read("env:T_CSR_INPUT", 1, 100, &buf, &len, &err), 0,
	    "env: prefix");
	is_str(buf, "secret", "env: value");
	is_int((long long)len, 6, "env: length");
	pki_secret_free(buf, len);
	is_int(pki_input_read("env:T_CSR_INPUT", 1, 5, &buf, &len, &err),
	    PKI_ERR_TOO_BIG, "env: size cap");
	unsetenv("T_CSR_INPUT");
	is_int(pki_input_read("env:T_CSR_INPUT", 1, 100, &buf, &len, &err),
	    PKI_ERR_INPUT, "unset variable");
	is_str(err.text, "env:T_CSR_INPUT: environment variable not set",
	    "unset variable message");

	is_int(pki_input_read("x:foo", 1, 100, &buf, &len, &err),
	    PKI_ERR_INPUT, "unknown prefix");
	is_str(err.text, "unknown prefix: x", "unknown prefix message");
	is_int(pki_input_read(colon, 1, 100, &buf, &len, &err), 0,
	    "an existing file with a colon");
	is_str(buf, "colon", "colon file contents");
	free(buf);
	/* Not a regular file: refused before it is read (issue 17). */
	is_int(pki_input_read(dir, 0, 100, &buf, &len, &err), PKI_ERR_INPUT,
	    "a directory");
	ok(strstr(err.text, "not a regular file (a directory)") != NULL,
	    "a directory: says so: %s", err.text);
	pipe_inputs(dir);
	is_int(pki_input_read("", 0, 100, &buf, &len, &err), PKI_ERR_ARG,
	    "empty name");
	is_int(pki_input_read("file:", 1, 100, &buf, &len, &err), PKI_ERR_ARG,
	    "file: with no name");
	is_str(err.text, "file:: empty file name", "file: message");

	unlink(colon);
	unlink(path);
	rmdir(dir);
}

/*
 * The strictness policy on what cfssl accepts and verifiers accept too:
 * RFC 5280 upper bounds, the caps on hosts, hosts that look like IP
 * addresses and empty ones are warnings, errors with -strict.
 */
static void
test_policy_caps(void)
{
	struct pki_parse_opts	 po;
	struct pki_csr		*csr = NULL;
	struct pki_error	 err;
	char			 json[512];

	warns("{\"names\":[{\"C\":\"USA\",\"O\":\"etcd\"}]}", "t.json: "
	    "names[0].C: \"USA\" is not a 2-letter country code (RFC 5280); "
	    "kept, as cfssl keeps it\n", PKI_ERR_INPUT);
	warns("{\"names\":[{\"C\":\"U\"}]}", "t.json: names[0].C: \"U\" is not "
	    "a 2-letter country code (RFC 5280); kept, as cfssl keeps it\n",
	    PKI_ERR_INPUT);
	if (is_int(parse("{\"names\":[{\"C\":\"USA\"},{\"C\":\"\"}]}", 0, 0,
	    &csr, &err), 0, "C USA: accepted"))
		is_str(csr->names[0].c, "USA", "C USA: kept as written");
	pki_csr_free(csr);
	csr = NULL;
	snprintf(json, sizeof(json), "{\"CN\":\"%065d\"}", 0);
	warns(json, "t.json: CN: 65 characters, more than the 64 RFC 5280 "
	    "allows; kept, as cfssl keeps it\n", PKI_ERR_INPUT);
	warns("{\"hosts\":[\"a.example\",\"999.1.1.1\",\"10.0.0.1\"]}", "t.json: "
	    "hosts[1]: \"999.1.1.1\" looks like an IP address but is not one; it "
	    "becomes a DNS name, as in cfssl\n", PKI_ERR_INPUT);
	warns("{\"hosts\":[\"[::1]\"]}", "t.json: hosts[0]: \"[::1]\" looks like "
	    "an IP address but is not one; it becomes a DNS name, as in cfssl\n",
	    PKI_ERR_INPUT);
	warns("{\"hosts\":[\"\"]}", "t.json: hosts[0]: an empty host becomes an "
	    "empty DNS name, as in cfssl; GnuTLS cannot parse such a "
	    "certificate\n", PKI_ERR_INPUT);
	snprintf(json, sizeof(json), "{\"hosts\":[\"a.%064d.example\"]}", 0);
	warns(json, "t.json: hosts[0]: DNS label of 64 bytes, longer than 63: "
	    "no name in DNS can match it; kept, as cfssl keeps it\n",
	    PKI_ERR_INPUT);

	/* -hostname and -cn: the value names the host. */
	if (parse("{}", 0, 0, &csr, &err) != 0)
		return;
	memset(&po, 0, sizeof(po));
	po.warn = tap_collect;
	tap_warnings[0] = '\0';
	is_int(pki_csr_set_hosts(csr, "999.1.1.1,,ok.example", &po, &err), 0,
	    "-hostname with a false IP and an empty host: accepted");
	is_str(tap_warnings, "-hostname: \"999.1.1.1\": looks like an IP "
	    "address but is not one; it becomes a DNS name, as in cfssl\n"
	    "-hostname: \"\": an empty host becomes an empty DNS name, as in "
	    "cfssl; GnuTLS cannot parse such a certificate\n",
	    "-hostname: one warning per host");
	is_int((long long)pki_csr_nhosts(csr), 3, "-hostname: 3 hosts kept");
	po.strict = 1;
	is_int(pki_csr_set_hosts(csr, "a,999.1.1.1", &po, &err), PKI_ERR_INPUT,
	    "-hostname, -strict: refused");
	is_str(err.text, "-hostname: \"999.1.1.1\": looks like an IP address "
	    "but is not one; it becomes a DNS name, as in cfssl",
	    "-hostname, -strict: message");
	is_int((long long)pki_csr_nhosts(csr), 3, "-hostname, -strict: the "
	    "hosts are unchanged");
	pki_csr_free(csr);
	csr = NULL;

	/* What -cn and -hostname replace is not checked, even -strict. */
	snprintf(json, sizeof(json), "{\"CN\":\"%070d\",\"hosts\":[\"\","
	    "\"999.1.1.1\"]}", 0);
	memset(&po, 0, sizeof(po));
	po.warn = tap_collect;
	po.strict = 1;
	po.cn_replaced = 1;
	po.hosts_replaced = 1;
	tap_warnings[0] = '\0';
	is_int(pki_csr_parse(json, strlen(json), "t.json", 0, &po, &csr, &err),
	    0, "CN and hosts replaced: accepted, -strict");
	is_str(tap_warnings, "", "CN and hosts replaced: no warning");
	pki_csr_free(csr);
	csr = NULL;
	po.hosts_replaced = 0;
	is_int(pki_csr_parse(json, strlen(json), "t.json", 0, &po, &csr, &err),
	    PKI_ERR_INPUT, "CN replaced, hosts kept: the hosts are checked");
	is_str(err.text, "t.json: hosts[0]: an empty host becomes an empty DNS "
	    "name, as in cfssl; GnuTLS cannot parse such a certificate",
	    "CN replaced, hosts kept: message");
	pki_csr_free(csr);
}

int
main(void)
{
	test_defaults();
	test_key_errors();
	test_syntax();
	test_case_insensitive();
	test_unknown_keys();
	test_names();
	test_hosts();
	test_policy_caps();
	test_ca();
	test_extensions();
	test_subject_only();
	test_check_subject();
	test_key_desc();
	test_fixtures();
	test_input();
	pki_csr_free(NULL);
	ok(1, "pki_csr_free(NULL)");
	return done_testing();
}
