/*
 * t-config.c: pki_config_parse, profiles and the -initca CA policy
 * (reference sections 4, 5 and 6.6).
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/obj_mac.h>
#include <openssl/x509v3.h>

#include "internal.h"
#include "../tap.h"

#define H	PKI_NS_PER_HOUR

static int
parse(const char *json, int strict, struct pki_config **cfg,
    struct pki_error *err)
{
	struct pki_parse_opts	po;

	memset(&po, 0, sizeof(po));
	memset(err, 0, sizeof(*err));
	tap_warnings[0] = '\0';
	po.strict = strict;
	po.warn = tap_collect;
	return pki_config_parse(json, strlen(json), "c.json", &po, cfg, err);
}

/* Expects json to fail with code and message msg. */
static void
fails(const char *label, const char *json, int code, const char *msg)
{
	struct pki_config	*cfg = (struct pki_config *)1;
	struct pki_error	 err;

	is_int(parse(json, 0, &cfg, &err), code, "%s: code", label);
	is_str(err.text, msg, "%s: message", label);
	ok(cfg == NULL, "%s: no object", label);
}

/*
 * Expects json to be accepted with exactly the warning lines warn and, in
 * strict mode, to fail with code and the first of them as the message.
 */
static void
warns(const char *label, const char *json, const char *warn, int code)
{
	struct pki_config	*cfg = NULL;
	struct pki_error	 err;
	char			 first[512];
	size_t			 n;

	if (is_int(parse(json, 0, &cfg, &err), 0, "%s: accepted", label))
		is_str(tap_warnings, warn, "%s: warning", label);
	else
		skip("%s: %s", label, err.text);
	pki_config_free(cfg);
	n = strcspn(warn, "\n");
	snprintf(first, sizeof(first), "%.*s", (int)n, warn);
	cfg = (struct pki_config *)1;
	is_int(parse(json, 1, &cfg, &err), code, "%s: -strict: code", label);
	is_str(err.text, first, "%s: -strict: message", label);
	ok(cfg == NULL, "%s: -strict: no object", label);
}

/* A profile by name, or NULL. */
static const struct pki_profile *
profile(const struct pki_config *cfg, const char *name)
{
	const struct pki_profile	*p = NULL;
	struct pki_error		 err;

	if (pki_config_profile(cfg, name, &p, &err) != 0)
		return NULL;
	return p;
}

static void
test_default(void)
{
	struct pki_config		*cfg = NULL;
	const struct pki_profile	*p;
	struct pki_error		 err;

	is_int(pki_config_new_default(&cfg, &err), 0, "new_default");
	p = profile(cfg, NULL);
	ok(p != NULL && p == cfg->def, "new_default: NULL is the default");
	if (p == NULL)
		return;
	is_str(p->name, "default", "new_default: name");
	is_int((long long)p->usages.n, 4, "new_default: 4 usages");
	is_str(p->usages.v[2], "server auth", "new_default: usages[2]");
	is_int(p->ku, KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT,
	    "new_default: ku");
	is_int((long long)p->neku, 2, "new_default: two ekus");
	is_int(p->eku[0], NID_server_auth, "new_default: eku[0]");
	is_int(p->eku[1], NID_client_auth, "new_default: eku[1]");
	is_int(p->expiry, 8760 * H, "new_default: 8760h");
	is_int(p->backdate, 0, "new_default: backdate 0");
	is_int(p->is_ca, 0, "new_default: not a CA");
	is_int(pki_profile_is_remote(p), 0, "new_default: local");
	ok(profile(cfg, "") == p, "new_default: \"\" is the default");
	ok(profile(cfg, "default") == p, "new_default: \"default\"");
	is_int(pki_config_profile(cfg, "peer", &p, &err), PKI_ERR_PROFILE,
	    "new_default: unknown profile");
	is_str(err.text, "unknown profile \"peer\" (known: default)",
	    "new_default: unknown profile message");
	ok(p == NULL, "new_default: unknown profile gives NULL");
	pki_config_free(cfg);
	cfg = NULL;

	/* No signing.default: the same built-in default. */
	is_int(parse("{\"signing\":{\"profiles\":{\"peer\":{\"usages\":"
	    "[\"server auth\"],\"expiry\":\"1h\"}}}}", 0, &cfg, &err), 0,
	    "no default parses");
	p = profile(cfg, NULL);
	ok(p != NULL && p->expiry == 8760 * H && p->usages.n == 4,
	    "no default: built-in default");
	pki_config_free(cfg);
	cfg = NULL;

	/* signing.default: null is the same. */
	is_int(parse("{\"signing\":{\"default\":null}}", 0, &cfg, &err), 0,
	    "default: null parses");
	ok(cfg != NULL && cfg->def->expiry == 8760 * H,
	    "default: null: built-in default");
	pki_config_free(cfg);
	cfg = NULL;

	/* A default with no usages is accepted, as in cfssl. */
	is_int(parse("{\"signing\":{\"default\":{\"expiry\":\"168h\"}}}", 0,
	    &cfg, &err), 0, "print-defaults style default parses");
	ok(cfg != NULL && cfg->def->usages.n == 0 && cfg->def->ku == 0,
	    "default without usages kept empty");
	pki_config_free(cfg);
}

static void
test_profiles(void)
{
	struct pki_config		*cfg = NULL;
	const struct pki_profile	*p;
	struct pki_error		 err;

	if (!is_int(parse("{\"signing\":{"
	    "\"default\":{\"expiry\":\"8760h\",\"usages\":[\"signing\"],"
	    "\"ocsp_url\":\"http://ocsp\",\"crl_url\":\"http://crl\","
	    "\"issuer_urls\":[\"http://i1\",\"http://i2\"]},"
	    "\"profiles\":{"
	    "\"server\":{\"usages\":[\"signing\",\"key encipherment\","
	    "\"server auth\"],\"expiry\":\"1y\",\"backdate\":\"1h\"},"
	    "\"peer\":{\"usages\":[\"email protection\",\"s/mime\",\"any\","
	    "\"content committment\",\"content commitment\"],"
	    "\"expiry\":\"0\",\"crl_url\":\"\",\"issuer_urls\":[],"
	    "\"ocsp_url\":\"http://own\"},"
	    "\"ca\":{\"usages\":[\"cert sign\",\"crl sign\"],\"expiry\":\"5y\","
	    "\"ca_constraint\":{\"is_ca\":true,\"max_path_len\":1,"
	    "\"max_path_len_zero\":true},\"ocsp_no_check\":true,"
	    "\"copy_extensions\":true,\"allowed_extensions\":[\"1.2.3\"],"
	    "\"not_before\":\"2030-01-01T00:00:00Z\","
	    "\"not_after\":\"2031-01-01T01:30:00+01:30\","
	    "\"ClientProvidesSerialNumbers\":true}}}}", 0, &cfg, &err), 0,
	    "profiles parse")) {
		diag("%s", err.text);
		return;
	}
	is_str(tap_warnings, "", "no warnings");
	is_int((long long)cfg->nprofiles, 3, "three profiles");
	is_str(cfg->profiles[0]->name, "server", "file order (0)");
	is_str(cfg->profiles[1]->name, "peer", "file order (1)");
	is_str(cfg->profiles[2]->name, "ca", "file order (2)");

	p = profile(cfg, "server");
	is_int(p->ku, KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT, "server ku");
	is_int((long long)p->neku, 1, "server one eku");
	is_int(p->expiry, 8760 * H, "server expiry 1y");
	is_int(p->backdate, 1 * H, "server backdate");
	is_str(p->ocsp_url, "http://ocsp", "server inherits ocsp_url");
	is_str(p->crl_url, "http://crl", "server inherits crl_url");
	is_int((long long)p->issuer_urls.n, 2, "server inherits issuer_urls");
	is_str(p->issuer_urls.v[1], "http://i2", "server issuer_urls[1]");
	is_int(p->has_whitelist, 0, "server no whitelist");

	p = profile(cfg, "peer");
	is_int((long long)p->neku, 3, "peer: duplicates kept");
	is_int(p->eku[0], NID_email_protect, "peer eku[0]");
	is_int(p->eku[1], NID_email_protect, "peer eku[1] (s/mime)");
	is_int(p->eku[2], NID_anyExtendedKeyUsage, "peer eku[2]");
	is_int(p->ku, KU_NON_REPUDIATION, "peer: both spellings");
	is_int((long long)p->usages.n, 5, "peer: usages as written");
	is_int(p->expiry, 8760 * H, "peer: expiry \"0\" is the default's");
	is_str(p->ocsp_url, "http://own", "peer keeps its ocsp_url");
	is_str(p->crl_url, "http://crl", "peer: \"\" crl_url inherits");
	is_int((long long)p->issuer_urls.n, 0, "peer: [] issuer_urls kept");

	p = profile(cfg, "ca");
	is_int(p->is_ca, 1, "ca: is_ca");
	is_int(p->max_path_len, 1, "ca: max_path_len");
	is_int(p->max_path_len_zero, 1, "ca: max_path_len_zero");
	is_int(p->ocsp_no_check, 1, "ca: ocsp_no_check");
	is_int(p->copy_extensions, 1, "ca: copy_extensions");
	is_int((long long)p->allowed_extensions.n, 1, "ca: allowed_extensions");
	is_int(p->has_not_before, 1, "ca: has not_before");
	is_int((long long)p->not_before, 1893456000LL, "ca: not_before");
	is_int(p->has_not_after, 1, "ca: has not_after");
	is_int((long long)p->not_after, 1924992000LL, "ca: not_after +01:30");
	is_int(p->client_serials, 1, "ca: ClientProvidesSerialNumbers");
	is_int(p->csr_whitelist.present, 0, "ca: no CSRWhitelist");

	ok(profile(cfg, "default") == cfg->def, "\"default\" is the default");
	is_int(pki_config_profile(cfg, "www", &p, &err), PKI_ERR_PROFILE,
	    "unknown profile fails");
	is_str(err.text, "unknown profile \"www\" (known: default, server, "
	    "peer, ca)", "unknown profile message");
	is_int(pki_config_profile(cfg, "Server", &p, &err), PKI_ERR_PROFILE,
	    "profile names are case-sensitive");
	pki_config_free(cfg);
}

static void
test_keys_case(void)
{
	struct pki_config		*cfg = NULL;
	const struct pki_profile	*p;
	struct pki_error		 err;

	if (!is_int(parse("{\"Signing\":{\"Profiles\":{\"x\":{"
	    "\"Usages\":[\"signing\"],\"EXPIRY\":\"1h\","
	    "\"policies\":[{\"id\":\"1.2.3.4\",\"qualifiers\":["
	    "{\"type\":\"id-qt-cps\",\"value\":\"http://cps\"},"
	    "{\"Type\":\"id-qt-unotice\"}]},{\"ID\":\"2.23.140.1.2.1\"}],"
	    "\"csrwhitelist\":{\"subject\":true,\"PublicKey\":true,"
	    "\"dnsnames\":true,\"URIs\":false}}}}}", 1, &cfg, &err), 0,
	    "case variants parse in strict mode")) {
		diag("%s", err.text);
		return;
	}
	p = profile(cfg, "x");
	is_int(p->expiry, 1 * H, "EXPIRY");
	is_int((long long)p->npolicies, 2, "policies");
	is_str(p->policies[0].oid, "1.2.3.4", "policies[0].ID");
	is_int((long long)p->policies[0].nquals, 2, "two qualifiers");
	is_int(p->policies[0].quals[0].type, PKI_POLICY_QUAL_CPS, "cps");
	is_str(p->policies[0].quals[0].value, "http://cps", "cps value");
	is_int(p->policies[0].quals[1].type, PKI_POLICY_QUAL_NOTICE,
	    "unotice");
	is_str(p->policies[0].quals[1].value, "", "missing value is \"\"");
	is_int((long long)p->policies[1].nquals, 0, "no qualifiers");
	is_int(p->csr_whitelist.present, 1, "csrwhitelist present");
	is_int(p->csr_whitelist.subject, 1, "csrwhitelist subject");
	is_int(p->csr_whitelist.pubkey, 1, "csrwhitelist PublicKey");
	is_int(p->csr_whitelist.dns, 1, "csrwhitelist dnsnames");
	is_int(p->csr_whitelist.uri, 0, "csrwhitelist URIs");
	is_int(p->csr_whitelist.ip, 0, "csrwhitelist IPAddresses absent");
	pki_config_free(cfg);

	warns("expiry twice", "{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"Expiry\":\"2h\"}}}", "c.json: signing.default.Expiry: \"expiry\" "
	    "and \"Expiry\" are the same key to cfssl (case is ignored); the "
	    "last one wins, as in cfssl\n", PKI_ERR_INPUT);
	if (is_int(parse("{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"Expiry\":\"2h\"},\"profiles\":{\"p\":{\"expiry\":\"1h\",\"usages\":"
	    "[\"signing\"]},\"p\":{\"expiry\":\"3h\",\"usages\":[\"signing\"]}}}}",
	    0, &cfg, &err), 0, "repeated keys: accepted")) {
		is_int(profile(cfg, NULL)->expiry / H, 2,
		    "expiry then Expiry: Expiry's value");
		is_int(profile(cfg, "p")->expiry / H, 3,
		    "profile p twice: the last one");
		is_str(tap_warnings, "c.json: signing.profiles.p: key \"p\" "
		    "repeated in one object; the last one wins, as in cfssl\n"
		    "c.json: signing.default.Expiry: \"expiry\" and \"Expiry\" "
		    "are the same key to cfssl (case is ignored); the last one "
		    "wins, as in cfssl\n", "repeated keys: one warning each");
	}
	pki_config_free(cfg);
	cfg = NULL;
}

static void
test_errors(void)
{
	struct pki_config	*cfg = NULL;
	struct pki_error	 err;

	fails("no signing", "{}", PKI_ERR_CONFIG, "c.json: signing: missing");
	fails("null signing", "{\"signing\":null}", PKI_ERR_CONFIG,
	    "c.json: signing: missing");
	fails("syntax", "{\"signing\":{\"default\":{\"usages\":[\"a\"],}}}",
	    PKI_ERR_JSON, "c.json:1:39: string or '}' expected near '}'");
	warns("unknown usage",
	    "{\"signing\":{\"profiles\":{\"peer\":{\"expiry\":\"1h\","
	    "\"usages\":[\"signing\",\"server\"]}}}}",
	    "c.json: signing.profiles.peer.usages[1]: unknown usage "
	    "\"server\" (did you mean \"server auth\"?) is left out, as cfssl "
	    "does\n", PKI_ERR_CONFIG);
	warns("unknown usage case",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"usages\":[\"Server Auth\"]}}}",
	    "c.json: signing.default.usages[0]: unknown usage "
	    "\"Server Auth\" (did you mean \"server auth\"?) is left out, as "
	    "cfssl does\n", PKI_ERR_CONFIG);
	warns("unknown usage, words alike",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"usages\":[\"digital signing\",\"client authentication\"]}}}",
	    "c.json: signing.default.usages[0]: unknown usage "
	    "\"digital signing\" (did you mean \"digital signature\"?) is left "
	    "out, as cfssl does\n"
	    "c.json: signing.default.usages[1]: unknown usage "
	    "\"client authentication\" (did you mean \"client auth\"?) is "
	    "left out, as cfssl does\n", PKI_ERR_CONFIG);
	warns("unknown usage no hint",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"usages\":[\"BAD_USAGE\"]}}}",
	    "c.json: signing.default.usages[0]: unknown usage \"BAD_USAGE\" "
	    "is left out, as cfssl does (known: signing, digital signature, "
	    "content commitment, content committment, key encipherment, data "
	    "encipherment, key agreement, cert sign, crl sign, encipher only, "
	    "decipher only, any, server auth, client auth, code signing, email "
	    "protection, s/mime, ipsec end system, ipsec tunnel, ipsec user, "
	    "timestamping, ocsp signing, microsoft sgc, netscape sgc)\n",
	    PKI_ERR_CONFIG);
	fails("only unknown usages",
	    "{\"signing\":{\"profiles\":{\"peer\":{\"expiry\":\"1h\","
	    "\"usages\":[\"sever auth\"]}}}}", PKI_ERR_CONFIG,
	    "c.json: signing.profiles.peer.usages: no known usage (cfssl: "
	    "\"invalid configuration\"; a profile needs at least one, e.g. "
	    "[\"signing\", \"key encipherment\", \"server auth\"])");
	if (is_int(parse("{\"signing\":{\"profiles\":{\"peer\":{\"expiry\":"
	    "\"1h\",\"usages\":[\"signing\",\"server\",\"client auth\"]}}}}", 0,
	    &cfg, &err), 0, "unknown usage: accepted"))
		is_int((long long)profile(cfg, "peer")->usages.n, 2,
		    "unknown usage: the known ones kept");
	pki_config_free(cfg);
	cfg = NULL;
	fails("usage not a string",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\",\"usages\":[1]}}}",
	    PKI_ERR_INPUT,
	    "c.json: signing.default.usages[0]: expected string, got integer");
	fails("missing expiry",
	    "{\"signing\":{\"profiles\":{\"peer\":{\"usages\":"
	    "[\"signing\"]}}}}", PKI_ERR_CONFIG,
	    "c.json: signing.profiles.peer.expiry: missing (every profile "
	    "needs an expiry, e.g. \"8760h\")");
	fails("missing default expiry",
	    "{\"signing\":{\"default\":{\"usages\":[\"signing\"]}}}",
	    PKI_ERR_CONFIG, "c.json: signing.default.expiry: missing (every "
	    "profile needs an expiry, e.g. \"8760h\")");
	fails("default expiry 0",
	    "{\"signing\":{\"default\":{\"expiry\":\"0s\"}}}", PKI_ERR_CONFIG,
	    "c.json: signing.default.expiry: must be positive (got \"0s\")");
	fails("negative expiry",
	    "{\"signing\":{\"profiles\":{\"p\":{\"usages\":[\"signing\"],"
	    "\"expiry\":\"-1h\"}}}}", PKI_ERR_CONFIG,
	    "c.json: signing.profiles.p.expiry: must be positive (got "
	    "\"-1h\")");
	fails("bad expiry",
	    "{\"signing\":{\"default\":{\"expiry\":\"invalid_expiry\"}}}",
	    PKI_ERR_INPUT, "c.json: signing.default.expiry: invalid duration "
	    "\"invalid_expiry\"");
	fails("negative backdate",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\",\"backdate\":"
	    "\"-1m\"}}}", PKI_ERR_CONFIG, "c.json: signing.default.backdate: "
	    "must not be negative (got \"-1m\")");
	fails("no usages",
	    "{\"signing\":{\"profiles\":{\"p\":{\"expiry\":\"1h\"}}}}",
	    PKI_ERR_CONFIG, "c.json: signing.profiles.p.usages: missing (a "
	    "profile needs at least one usage, e.g. [\"signing\", \"key "
	    "encipherment\", \"server auth\"])");
	fails("empty usages",
	    "{\"signing\":{\"profiles\":{\"p\":{\"expiry\":\"1h\","
	    "\"usages\":[]}}}}", PKI_ERR_CONFIG, "c.json: "
	    "signing.profiles.p.usages: empty (a profile needs at least one "
	    "usage, e.g. [\"signing\", \"key encipherment\", \"server "
	    "auth\"])");
	fails("not_after before not_before",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"not_before\":\"2030-01-01T00:00:00Z\","
	    "\"not_after\":\"2029-12-31T23:59:59Z\"}}}", PKI_ERR_CONFIG,
	    "c.json: signing.default.not_after: 2029-12-31T23:59:59Z is "
	    "before not_before (2030-01-01T00:00:00Z)");
	fails("not_after before not_before with offsets",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"not_before\":\"2030-01-01T00:00:00-01:00\","
	    "\"not_after\":\"2030-01-01T00:30:00Z\"}}}", PKI_ERR_CONFIG,
	    "c.json: signing.default.not_after: 2030-01-01T00:30:00Z is "
	    "before not_before (2030-01-01T00:00:00-01:00)");
	fails("bad time",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"not_before\":\"2030-02-30T00:00:00Z\"}}}", PKI_ERR_CONFIG,
	    "c.json: signing.default.not_before: invalid RFC 3339 time "
	    "\"2030-02-30T00:00:00Z\" (e.g. \"2030-01-01T00:00:00Z\")");
	fails("date only",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"not_after\":\"2030-01-01\"}}}", PKI_ERR_CONFIG,
	    "c.json: signing.default.not_after: invalid RFC 3339 time "
	    "\"2030-01-01\" (e.g. \"2030-01-01T00:00:00Z\")");
}

/* The same for whitelists, remotes and what follows them. */
static void
test_errors_more(void)
{
	fails("RE2 word boundary",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"name_whitelist\":\"\\\\bx\"}}}", PKI_ERR_CONFIG,
	    "c.json: signing.default.name_whitelist: invalid regular "
	    "expression: escape sequences other than \\d \\D \\w \\W \\s "
	    "\\S \\t \\n \\r \\f \\v are not supported");
	fails("non-greedy",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"name_whitelist\":\"a.*?b\"}}}", PKI_ERR_CONFIG,
	    "c.json: signing.default.name_whitelist: invalid regular "
	    "expression: non-greedy repetition is not supported");
	fails("unclosed bracket",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"name_whitelist\":\"[a\"}}}", PKI_ERR_CONFIG,
	    "c.json: signing.default.name_whitelist: invalid regular "
	    "expression: missing closing ]");
	fails("RE2 flags",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"name_whitelist\":\"(?i)x\"}}}", PKI_ERR_CONFIG,
	    "c.json: signing.default.name_whitelist: invalid regular "
	    "expression: (?...) groups and flags are not supported");
	fails("a repetition of a repetition (glibc: minutes, gigabytes)",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"name_whitelist\":\"^\\\\S++++++++++++++++++++++++++++++++++"
	    "+++\"}}}", PKI_ERR_CONFIG,
	    "c.json: signing.default.name_whitelist: invalid regular "
	    "expression: bad repetition operator (a repetition of a "
	    "repetition, as RE2 refuses)");
	fails("a{2}*",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"name_whitelist\":\"a{2}*\"}}}", PKI_ERR_CONFIG,
	    "c.json: signing.default.name_whitelist: invalid regular "
	    "expression: bad repetition operator (a repetition of a "
	    "repetition, as RE2 refuses)");
	fails("nested counts above 1000",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"name_whitelist\":\"((a{10}){10}){11}\"}}}", PKI_ERR_CONFIG,
	    "c.json: signing.default.name_whitelist: invalid regular "
	    "expression: bad repetition count (more than 1000, also nested, "
	    "as RE2 refuses)");
	fails("a repetition of nothing",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"name_whitelist\":\"a|*b\"}}}", PKI_ERR_CONFIG,
	    "c.json: signing.default.name_whitelist: invalid regular "
	    "expression: missing argument to repetition operator");
	fails("unknown remote",
	    "{\"signing\":{\"profiles\":{\"CA\":{\"remote\":\"localhoster\"}}},"
	    "\"remotes\":{\"localhost\":\"127.0.0.1:8888\"}}", PKI_ERR_CONFIG,
	    "c.json: signing.profiles.CA.remote: unknown remote "
	    "\"localhoster\" (remotes has: localhost)");
	fails("no remotes",
	    "{\"signing\":{\"profiles\":{\"CA\":{\"remote\":\"x\"}}}}",
	    PKI_ERR_CONFIG, "c.json: signing.profiles.CA.remote: unknown "
	    "remote \"x\" (there is no \"remotes\" section)");
	fails("unknown auth key",
	    "{\"signing\":{\"profiles\":{\"CA\":{\"remote\":\"r\","
	    "\"auth_key\":\"garbage\"}}},\"remotes\":{\"r\":\"localhost\"},"
	    "\"auth_keys\":{}}", PKI_ERR_CONFIG,
	    "c.json: signing.profiles.CA.auth_key: unknown auth key "
	    "\"garbage\" (there is no \"auth_keys\" section)");
	fails("auth_remote key",
	    "{\"signing\":{\"default\":{\"auth_remote\":{\"remote\":\"r\","
	    "\"auth_key\":\"k2\"}}},\"remotes\":{\"r\":\"localhost\"},"
	    "\"auth_keys\":{\"k\":{\"type\":\"standard\",\"key\":\"00\"}}}",
	    PKI_ERR_CONFIG, "c.json: signing.default.auth_remote.auth_key: "
	    "unknown auth key \"k2\" (auth_keys has: k)");
	fails("auth_remote incomplete",
	    "{\"signing\":{\"default\":{\"auth_remote\":{\"remote\":\"r\"}}},"
	    "\"remotes\":{\"r\":\"localhost\"}}", PKI_ERR_CONFIG,
	    "c.json: signing.default.auth_remote.auth_key: missing");
	fails("remote and auth_remote",
	    "{\"signing\":{\"default\":{\"remote\":\"r\",\"auth_remote\":"
	    "{\"remote\":\"r\",\"auth_key\":\"k\"}}},\"remotes\":{\"r\":"
	    "\"localhost\"},\"auth_keys\":{\"k\":{\"type\":\"standard\","
	    "\"key\":\"00\"}}}", PKI_ERR_CONFIG,
	    "c.json: signing.default: remote and auth_remote are mutually "
	    "exclusive");
	fails("auth type",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\"}},\"auth_keys\":"
	    "{\"garbage\":{\"type\":\"stadardo\",\"key\":\"00\"}}}",
	    PKI_ERR_CONFIG, "c.json: auth_keys.garbage.type: unknown "
	    "authentication type \"stadardo\" (the only type is "
	    "\"standard\")");
	fails("auth key not hex",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\"}},\"auth_keys\":"
	    "{\"garbage\":{\"type\":\"standard\",\"key\":\"BAD_KEY\"}}}",
	    PKI_ERR_CONFIG, "c.json: auth_keys.garbage.key: not an "
	    "even-length hex string, env:VAR or file:PATH");
	fails("auth key odd",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\"}},\"auth_keys\":"
	    "{\"k\":{\"type\":\"standard\",\"key\":\"abc\"}}}",
	    PKI_ERR_CONFIG, "c.json: auth_keys.k.key: not an even-length hex "
	    "string, env:VAR or file:PATH");
	fails("empty remote",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\"}},\"remotes\":"
	    "{\"r\":\"\"}}", PKI_ERR_CONFIG,
	    "c.json: remotes.r: empty (expected host:port or a URL)");
	fails("bad policy OID",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\",\"Policies\":"
	    "[{\"ID\":\"x.y\"}]}}}", PKI_ERR_INPUT,
	    "c.json: signing.default.Policies[0].ID: invalid OID part x");
	fails("bad qualifier",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\",\"Policies\":"
	    "[{\"ID\":\"1.2.3\",\"Qualifiers\":[{\"Type\":\"cps\"}]}]}}}",
	    PKI_ERR_CONFIG, "c.json: signing.default.Policies[0].Qualifiers[0]"
	    ".Type: invalid policy qualifier type \"cps\" (id-qt-cps or "
	    "id-qt-unotice)");
	fails("bad allowed_extensions",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"allowed_extensions\":"
	    "[\"1.2.3\",\"3.4\"]}}}", PKI_ERR_INPUT,
	    "c.json: signing.default.allowed_extensions[1]: invalid OID "
	    "\"3.4\": the first arc must be 0, 1 or 2");
	fails("lint level number",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\",\"lint_error_level\":"
	    "3}}}", PKI_ERR_INPUT, "c.json: signing.default.lint_error_level: "
	    "expected string, got integer");
	fails("lint level",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\",\"lint_error_level\":"
	    "\"warning\"}}}", PKI_ERR_CONFIG, "c.json: "
	    "signing.default.lint_error_level: unknown lint level \"warning\" "
	    "(did you mean \"warn\"?)");
	fails("lint source",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"ignored_lint_sources\":[\"X\"]}}}", PKI_ERR_CONFIG, "c.json: "
	    "signing.default.ignored_lint_sources[0]: unknown lint source "
	    "\"X\" (known: RFC3279, RFC5280, RFC5480, RFC5891, RFC8813, "
	    "CABF_BR, CABF_EV, Mozilla, Apple, Community, ETSI_ESI)");
	fails("profiles array",
	    "{\"signing\":{\"profiles\":[]}}", PKI_ERR_INPUT,
	    "c.json: signing.profiles: expected object, got array");
	fails("null profile",
	    "{\"signing\":{\"profiles\":{\"p\":null}}}", PKI_ERR_INPUT,
	    "c.json: signing.profiles.p: expected object, got null");
	fails("negative max_path_len",
	    "{\"signing\":{\"default\":{\"expiry\":\"1h\",\"ca_constraint\":"
	    "{\"is_ca\":true,\"max_path_len\":-1}}}}", PKI_ERR_INPUT,
	    "c.json: signing.default.ca_constraint.max_path_len: -1 is "
	    "negative (minimum 0)");
}

static void
test_strict_and_warnings(void)
{
	struct pki_config	*cfg = NULL;
	struct pki_error	 err;
	static const char	 wl[] = "c.json: "
	    "signing.default.name_whitelist: invalid regular expression: ";

	/* regerror()'s text is the C library's own. */
	is_int(parse("{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"name_whitelist\":\"(a\"}}}", 0, &cfg, &err), PKI_ERR_CONFIG,
	    "bad whitelist fails");
	ok(strncmp(err.text, wl, strlen(wl)) == 0 &&
	    strlen(err.text) > strlen(wl), "bad whitelist message: %s",
	    err.text);
	ok(cfg == NULL, "bad whitelist: no object");

	is_int(parse("{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"expire\":\"2h\"}},\"auth_key\":{}}", 1, &cfg, &err),
	    PKI_ERR_UNKNOWN_KEY, "strict: unknown key fails");
	is_str(err.text, "c.json: auth_key: unknown key \"auth_key\", did "
	    "you mean \"auth_keys\"?", "strict: message names the first "
	    "unknown key");
	ok(cfg == NULL, "strict: no object");

	is_int(parse("{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"ct_log_servers\":[\"https://ct\"],\"cert_store\":\"x\","
	    "\"lint_error_level\":\"error\",\"ignored_lints\":[\"a\"],"
	    "\"ignored_lint_sources\":[\"RFC5280\"]}},\"ocsp\":{"
	    "\"CACertFile\":\"ca.pem\",\"Interval\":3600}}", 1, &cfg, &err),
	    0, "ignored keys are accepted in strict mode");
	is_str(tap_warnings,
	    "c.json: ocsp: ignored: etcd-pki does not run an OCSP responder\n"
	    "c.json: signing.default.ct_log_servers: ignored: etcd-pki does "
	    "not submit certificates to certificate transparency logs\n"
	    "c.json: signing.default.cert_store: ignored: etcd-pki does not "
	    "use a certificate store (cfssl does not either)\n"
	    "c.json: signing.default.lint_error_level: ignored: etcd-pki does "
	    "not lint certificates (zlint)\n"
	    "c.json: signing.default.ignored_lints: ignored: etcd-pki does "
	    "not lint certificates (zlint)\n"
	    "c.json: signing.default.ignored_lint_sources: ignored: etcd-pki "
	    "does not lint certificates (zlint)\n", "ignored-key warnings");
	pki_config_free(cfg);
	cfg = NULL;

	is_int(parse("{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"Expire\":\"2h\",\"usage\":[]}}}", 0, &cfg, &err), 0,
	    "unknown profile keys warn");
	is_str(tap_warnings, "c.json: signing.default.Expire: unknown key "
	    "\"Expire\", did you mean \"expiry\"?\nc.json: "
	    "signing.default.usage: unknown key \"usage\", did you mean "
	    "\"usages\"?\n", "profile warnings");
	pki_config_free(cfg);
	cfg = NULL;

	is_int(parse("{\"signing\":{\"default\":{\"expiry\":\"1h\","
	    "\"is_ca\":true}}}", 1, &cfg, &err), PKI_ERR_UNKNOWN_KEY,
	    "strict: is_ca outside ca_constraint");
	is_str(err.text, "c.json: signing.default.is_ca: unknown key "
	    "\"is_ca\", did you mean \"ca_constraint.is_ca\"?", "is_ca hint");
	is_int(parse("{\"profiles\":{},\"signing\":{}}", 0, &cfg, &err), 0,
	    "top-level profiles warns");
	is_str(tap_warnings, "c.json: profiles: unknown key \"profiles\", did "
	    "you mean \"signing.profiles\"?\n", "top-level profiles hint");
	pki_config_free(cfg);
}

static void
test_remote(void)
{
	struct pki_config		*cfg = NULL;
	const struct pki_profile	*p;
	struct pki_error		 err;

	if (!is_int(parse("{\"signing\":{\"profiles\":{"
	    "\"CA\":{\"auth_key\":\"garbage\",\"remote\":\"localhost\"},"
	    "\"AR\":{\"auth_remote\":{\"remote\":\"localhost\","
	    "\"auth_key\":\"e\"}},"
	    "\"L\":{\"usages\":[\"signing\"],\"expiry\":\"1h\","
	    "\"auth_key\":\"\",\"remote\":\"\"}}},"
	    "\"auth_keys\":{\"garbage\":{\"type\":\"standard\",\"key\":"
	    "\"0123456789ABCDEF0123456789abcdef\"},"
	    "\"e\":{\"type\":\"standard\","
	    "\"key\":\"env:AUTH_KEY\"},\"f\":{\"type\":\"standard\",\"key\":"
	    "\"file:/nonexistent\"}},"
	    "\"remotes\":{\"localhost\":\"127.0.0.1:8888\"}}", 0, &cfg, &err),
	    0, "remote profiles parse")) {
		diag("%s", err.text);
		return;
	}
	p = profile(cfg, "CA");
	is_int(pki_profile_is_remote(p), 1, "CA is remote");
	is_str(p->remote, "localhost", "CA remote name");
	is_str(p->auth_key, "garbage", "CA auth_key");
	is_int(p->expiry, 8760 * H, "remote profile: default's expiry");
	p = profile(cfg, "AR");
	is_int(pki_profile_is_remote(p), 1, "AR is remote");
	is_str(p->remote, "localhost", "AR remote");
	is_str(p->auth_remote_key, "e", "AR auth key");
	p = profile(cfg, "L");
	is_int(pki_profile_is_remote(p), 0, "\"\" remote is local");
	ok(p->auth_key == NULL, "\"\" auth_key is unset");
	is_int((long long)cfg->auth_key_names.n, 3, "three auth keys");
	is_int((long long)cfg->remote_names.n, 1, "one remote");
	is_str(cfg->remote_urls.v[0], "127.0.0.1:8888", "remote url");
	pki_config_free(cfg);
}

static void
test_whitelist(void)
{
	static const struct {
		const char	*re;	/* JSON-escaped */
		const char	*yes, *no;
	} cases[] = {
		{ "^etcd\\\\d+\\\\.example\\\\.com$", "etcd12.example.com",
		    "etcdx.example.com" },
		{ "\\\\.cloudflare.com$", "www.cloudflare.com",
		    "cloudflare.net" },
		{ "^[\\\\w.-]+$", "a_b.c-d", "a b" },
		{ "^\\\\S+$", "nospace", "has space" },
		{ "^[^\\\\s]+\\\\s\\\\D$", "ab x", "ab 1" },
		{ "^\\\\W$", "-", "a" },
		{ "^[\\\\-a]+$", "-a-", "b" },
		{ "^[a\\\\]]+$", "]a", "b" },
		{ "^a\\\\/b$", "a/b", "ab" },
		{ "[\\\\^]", "x^", "x" },
		{ "^[[:digit:]]+$", "123", "12a" },
		{ "^[^\\\\^]+$", "abc", "a^c" },
		{ "^[]a]+$", "a]a", "b" },
		{ "^\\\\(x\\\\)\\\\.\\\\*$", "(x).*", "x" },
		{ "^[\\\\d\\\\s]+$", "1 2", "1a" },
		{ "^(a|b){2}$", "ab", "abc" },
		{ "example", "my.example.org", "exampl" },
	};
	struct pki_config		*cfg = NULL;
	const struct pki_profile	*p;
	struct pki_error		 err;
	char				 json[512];
	size_t				 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(json, sizeof(json), "{\"signing\":{\"default\":"
		    "{\"expiry\":\"1h\",\"name_whitelist\":\"%s\"}}}",
		    cases[i].re);
		if (!is_int(parse(json, 0, &cfg, &err), 0, "whitelist %s",
		    cases[i].re)) {
			diag("%s", err.text);
			continue;
		}
		p = cfg->def;
		is_int(p->has_whitelist, 1, "whitelist %s compiled",
		    cases[i].re);
		is_int(regexec(&p->whitelist_re, cases[i].yes, 0, NULL, 0), 0,
		    "%s matches %s", cases[i].re, cases[i].yes);
		is_int(regexec(&p->whitelist_re, cases[i].no, 0, NULL, 0),
		    REG_NOMATCH, "%s does not match %s", cases[i].re,
		    cases[i].no);
		pki_config_free(cfg);
		cfg = NULL;
	}
}

static void
test_new_ca(void)
{
	struct pki_csr		*csr = NULL;
	struct pki_profile	*p = NULL;
	struct pki_error	 err;
	static const char	 j1[] = "{\"CN\":\"ca\",\"ca\":{\"pathlen\":2,"
	    "\"pathlenzero\":true,\"expiry\":\"1y\",\"backdate\":\"10m\"},"
	    "\"crl_url\":\"http://crl\"}";
	static const char	 j2[] = "{\"ca\":{\"pathlenzero\":true}}";

	memset(&err, 0, sizeof(err));
	if (pki_csr_parse(j1, strlen(j1), "ca.json", 0, NULL, &csr, &err)) {
		ok(0, "ca csr parses: %s", err.text);
		return;
	}
	is_int(pki_profile_new_ca(csr, -1, &p, &err), 0, "new_ca");
	is_str(p->name, "ca", "new_ca: name");
	is_int((long long)p->usages.n, 2, "new_ca: 2 usages");
	is_str(p->usages.v[0], "cert sign", "new_ca: usages[0]");
	is_str(p->usages.v[1], "crl sign", "new_ca: usages[1]");
	is_int(p->ku, KU_KEY_CERT_SIGN | KU_CRL_SIGN, "new_ca: ku");
	is_int((long long)p->neku, 0, "new_ca: no eku");
	is_int(p->expiry, 8760 * H, "new_ca: expiry from ca.expiry");
	is_int(p->backdate, 10 * PKI_NS_PER_MIN, "new_ca: backdate");
	is_int(p->is_ca, 1, "new_ca: is_ca");
	is_int(p->max_path_len, 2, "new_ca: max_path_len");
	is_int(p->max_path_len_zero, 0, "new_ca: pathlenzero ignored");
	is_str(p->crl_url, "http://crl", "new_ca: crl_url");
	is_int(pki_profile_is_remote(p), 0, "new_ca: local");
	pki_profile_free(p);
	p = NULL;
	is_int(pki_profile_new_ca(csr, 3 * H, &p, &err), 0, "new_ca override");
	is_int(p->expiry, 3 * H, "new_ca: override wins");
	pki_profile_free(p);
	p = NULL;
	pki_csr_free(csr);
	csr = NULL;

	if (pki_csr_parse(j2, strlen(j2), "ca.json", 0, NULL, &csr, &err)) {
		ok(0, "ca csr 2 parses: %s", err.text);
		return;
	}
	is_int(pki_profile_new_ca(csr, -1, &p, &err), 0, "new_ca (2)");
	is_int(p->expiry, 43800 * H, "new_ca: default 43800h");
	is_int(p->backdate, 0, "new_ca: default backdate");
	is_int(p->max_path_len, 0, "new_ca: pathlen 0");
	is_int(p->max_path_len_zero, 1, "new_ca: pathlenzero kept");
	ok(p->crl_url == NULL, "new_ca: no crl_url");
	pki_profile_free(p);
	pki_csr_free(csr);
	pki_profile_free(NULL);
	pki_config_free(NULL);
}

/* cfssl's config fixtures (reference section 9). */
static void
test_fixtures(void)
{
	static const struct {
		const char	*path;
		int		 want;
	} cases[] = {
		{ "config/testdata/valid_config.json", 0 },
		{ "config/testdata/valid_config_auth.json", 0 },
		{ "config/testdata/valid_config_auth_no_default.json", 0 },
		{ "config/testdata/valid_config_no_default.json", 0 },
		{ "config/testdata/invalid_auth.json", PKI_ERR_CONFIG },
		{ "config/testdata/invalid_auth_bad_key.json", PKI_ERR_CONFIG },
		{ "config/testdata/invalid_config.json", PKI_ERR_JSON },
		{ "config/testdata/invalid_default.json", PKI_ERR_INPUT },
		{ "config/testdata/invalid_profile.json", PKI_ERR_INPUT },
		{ "config/testdata/invalid_no_auth_keys.json", PKI_ERR_CONFIG },
		{ "config/testdata/invalid_no_remotes.json", PKI_ERR_CONFIG },
		{ "config/testdata/invalid_remotes.json", PKI_ERR_CONFIG },
		{ "config/testdata/invalid_usage.json", PKI_ERR_CONFIG },
		{ "testdata/good_config.json", PKI_ERR_CONFIG },
	};
	struct pki_config	*cfg = NULL;
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
		if (!is_int(pki_config_parse(buf, len, cases[i].path, NULL,
		    &cfg, &err), cases[i].want, "fixture %s", cases[i].path))
			diag("%s", err.text);
		pki_config_free(cfg);
		cfg = NULL;
		free(buf);
	}
}

int
main(void)
{
	test_default();
	test_profiles();
	test_keys_case();
	test_errors();
	test_errors_more();
	test_strict_and_warnings();
	test_remote();
	test_whitelist();
	test_new_ca();
	test_fixtures();
	return done_testing();
}
