/*
 * t-bundle.c: pki_bundle_* (cfssl bundle, offline) on a root ->
 * intermediate -> leaf chain made with the library: the chain found, the
 * flavors, cfssl's JSON keys and status, and the errors.  The comparison
 * with the real cfssl is tests/cli/t-bundle.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "pki.h"
#include "tap.h"
#include "certs.h"

static const char cfgjson[] =
    "{\"signing\":{\"default\":{\"expiry\":\"8760h\",\"usages\":[\"signing\","
    "\"key encipherment\",\"server auth\"]},\"profiles\":{"
    "\"inter\":{\"expiry\":\"43800h\",\"usages\":[\"cert sign\",\"crl sign\"],"
    "\"ca_constraint\":{\"is_ca\":true}},"
    "\"client\":{\"expiry\":\"8760h\",\"usages\":[\"signing\",\"client auth\"]},"
    "\"soon\":{\"expiry\":\"100h\",\"usages\":[\"signing\",\"server auth\"]}}}}";

struct made {
	char	*pem;
	size_t	 len;
	char	*keypem;
	size_t	 keylen;
	struct pki_cert	*cert;
	struct pki_key	*key;
};

static void
made_clear(struct made *m)
{
	free(m->pem);
	pki_secret_free(m->keypem, m->keylen);
	pki_cert_free(m->cert);
	pki_key_free(m->key);
	memset(m, 0, sizeof(*m));
}

/* A certificate for json under profile pname of cfg, signed by ca. */
static int
issue(const struct pki_config *cfg, const char *pname, const char *json,
    const struct made *ca, struct made *out)
{
	const struct pki_profile	*p = NULL;
	struct pki_sign_request		 sr;
	struct pki_csr			*csr = test_csr(json);
	struct pki_req			*req = NULL;
	struct pki_error		 e;
	int				 r = -1;

	memset(out, 0, sizeof(*out));
	memset(&sr, 0, sizeof(sr));
	memset(&e, 0, sizeof(e));
	if (csr == NULL || pki_config_profile(cfg, pname, &p, &e) != 0 ||
	    pki_key_generate(csr, &out->key, &e) != 0 ||
	    pki_req_new(csr, out->key, &req, &e) != 0)
		goto out;
	sr.req = req;
	sr.profile = p;
	if (pki_cert_sign(&sr, ca->cert, ca->key, &out->cert, &e) != 0 ||
	    pki_cert_encode(out->cert, &out->pem, &out->len, &e) != 0 ||
	    pki_key_encode(out->key, PKI_KEY_FMT_CFSSL, &out->keypem,
	    &out->keylen, &e) != 0)
		goto out;
	r = 0;
 out:
	if (r != 0)
		diag("issue %s: %s", pname, e.text);
	pki_req_free(req);
	pki_csr_free(csr);
	return r;
}

/* Bundles certs with roots and ints (may be NULL) under flavor. */
static int
bundle(const char *certs, const char *key, const char *roots,
    const char *ints, int flavor, json_t **out, struct pki_error *e)
{
	struct pki_bundle_input	 in;
	struct pki_bundle	*b = NULL;
	const char		*j;
	size_t			 len;
	int			 r;

	*out = NULL;
	memset(&in, 0, sizeof(in));
	memset(e, 0, sizeof(*e));
	in.certs = certs;
	in.certs_len = strlen(certs);
	in.certs_source = "leaf.pem";
	in.key = key;
	in.key_len = key != NULL ? strlen(key) : 0;
	in.key_source = "leaf-key.pem";
	in.roots = roots;
	in.roots_len = strlen(roots);
	in.roots_source = "ca.pem";
	in.ints = ints;
	in.ints_len = ints != NULL ? strlen(ints) : 0;
	in.ints_source = "int.pem";
	in.flavor = flavor;
	if ((r = pki_bundle_new(&in, &b, e)) == 0 &&
	    (r = pki_bundle_build(b, e)) == 0) {
		j = pki_bundle_json(b, &len);
		is_int(j[len - 1], '}', "the JSON ends with the object, no newline");
		*out = json_loadb(j, len, 0, NULL);
	}
	pki_bundle_free(b);
	return r;
}

static int
count(const char *s, const char *what)
{
	int	n = 0;

	for (; s != NULL && (s = strstr(s, what)) != NULL; s++)
		n++;
	return n;
}

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Writes text to DIR/name; returns the path (static, one at a time). */
static const char *
put(const char *dir, const char *name, const char *text)
{
	static char	 path[4][256];
	static int	 n;
	FILE		*f;
	char		*p = path[n++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	if ((f = fopen(p, "w")) != NULL) {
		fputs(text, f);
		fclose(f);
	}
	return p;
}

/* pki_bundle_open: the files of bundle's flags, read by the library. */
static void
test_open(const char *leaf, const char *inter, const char *root)
{
	struct pki_bundle_files	 f;
	struct pki_bundle	*b = NULL;
	struct pki_error	 e;
	char			 dir[] = "/tmp/t-bundle.XXXXXX";
	const char		*old;

	is_int(pki_bundle_flavor(NULL), PKI_BUNDLE_UBIQUITOUS,
	    "flavor: none is ubiquitous");
	is_int(pki_bundle_flavor("optimal"), PKI_BUNDLE_OPTIMAL,
	    "flavor: optimal");
	is_int(pki_bundle_flavor("force"), PKI_BUNDLE_FORCE, "flavor: force");
	is_int(pki_bundle_flavor("fastest"), PKI_BUNDLE_OTHER,
	    "flavor: another name");
	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	memset(&f, 0, sizeof(f));
	memset(&e, 0, sizeof(e));
	f.cert = put(dir, "leaf.pem", leaf);
	f.ints = put(dir, "int.pem", inter);
	f.roots = put(dir, "root.pem", root);
	is_int(pki_bundle_open(&f, &b, &e), 0, "open: read from the files");
	ok(b != NULL && pki_bundle_build(b, &e) == 0 &&
	    strcmp(pki_bundle_root(b), "CN=Bundle Root,O=Acme,C=US") == 0,
	    "open: ...and bundled up to the root");
	pki_bundle_free(b);
	b = NULL;
	/* No -ca-bundle: the system's, which $SSL_CERT_FILE can name. */
	old = getenv("SSL_CERT_FILE");
	setenv("SSL_CERT_FILE", f.roots, 1);
	f.roots = NULL;
	ok(pki_bundle_open(&f, &b, &e) == 0 && pki_bundle_build(b, &e) == 0,
	    "open: without roots, those of $SSL_CERT_FILE");
	pki_bundle_free(b);
	b = NULL;
	if (old != NULL)
		setenv("SSL_CERT_FILE", old, 1);
	else
		unsetenv("SSL_CERT_FILE");
	f.ints = put(dir, "missing.pem", "");
	unlink(f.ints);
	is_int(pki_bundle_open(&f, &b, &e), PKI_ERR_IO, "open: a missing "
	    "-int-bundle file: refused");
	ok(b == NULL && strstr(e.text, "missing.pem") != NULL, "open: ...naming "
	    "it (%s)", e.text);
	unlink(put(dir, "leaf.pem", ""));
	unlink(put(dir, "int.pem", ""));
	unlink(put(dir, "root.pem", ""));
	rmdir(dir);
}

int
main(void)
{
	struct pki_config	*cfg = NULL;
	struct pki_error	 e;
	struct made		 root, inter, leaf, cli, soon;
	json_t			*j = NULL, *st;
	char			*chain = NULL, *rchain = NULL;
	static const char *const keys[] = { "bundle", "crl_support", "crt",
	    "expires", "hostnames", "issuer", "key", "key_size", "key_type",
	    "leaf_expires", "ocsp", "ocsp_support", "root", "signature",
	    "status", "subject", NULL };
	const char		*k;
	json_t			*v;
	size_t			 i;

	memset(&root, 0, sizeof(root));
	memset(&inter, 0, sizeof(inter));
	memset(&leaf, 0, sizeof(leaf));
	memset(&cli, 0, sizeof(cli));
	memset(&soon, 0, sizeof(soon));
	memset(&e, 0, sizeof(e));
	if (pki_config_parse(cfgjson, strlen(cfgjson), "c.json", NULL, &cfg,
	    &e) != 0) {
		diag("%s", e.text);
		return 1;
	}
	root.cert = test_ca("{\"CN\":\"Bundle Root\",\"names\":[{\"C\":\"US\","
	    "\"O\":\"Acme\"}]}", 0, &root.key);
	if (root.cert == NULL ||
	    pki_cert_encode(root.cert, &root.pem, &root.len, &e) != 0 ||
	    issue(cfg, "inter", "{\"CN\":\"Bundle Inter\",\"names\":[{\"O\":"
	    "\"Acme\"}]}", &root, &inter) != 0 ||
	    issue(cfg, NULL, "{\"CN\":\"leaf.example.net\",\"hosts\":["
	    "\"leaf.example.net\",\"alt.example.net\",\"10.0.0.1\"],\"key\":"
	    "{\"algo\":\"rsa\",\"size\":2048}}", &inter, &leaf) != 0 ||
	    issue(cfg, "client", "{\"CN\":\"client\"}", &inter, &cli) != 0 ||
	    issue(cfg, "soon", "{\"CN\":\"soon\"}", &inter, &soon) != 0) {
		ok(0, "the test chain");
		return done_testing();
	}
	if (asprintf(&chain, "%s%s", leaf.pem, inter.pem) == -1 ||
	    asprintf(&rchain, "%s%s", inter.pem, leaf.pem) == -1)
		return 1;

	/* The default flavor, the intermediate from -int-bundle. */
	is_int(bundle(leaf.pem, NULL, root.pem, inter.pem,
	    PKI_BUNDLE_UBIQUITOUS, &j, &e), 0, "leaf + int-bundle: bundled");
	if (j != NULL) {
		i = 0;
		json_object_foreach(j, k, v) {
			if (keys[i] == NULL || strcmp(k, keys[i]) != 0)
				break;
			i++;
		}
		ok(keys[i] == NULL && i == json_object_size(j),
		    "cfssl's keys, sorted as json.Marshal sorts a map");
		is_int(count(str(j, "bundle"), "BEGIN CERTIFICATE"), 2,
		    "bundle: the leaf and the intermediate");
		is_int(count(str(j, "root"), "BEGIN CERTIFICATE"), 1,
		    "root: the anchor");
		ok(str(j, "bundle")[strlen(str(j, "bundle")) - 1] == '-',
		    "bundle: trimmed, no final newline");
		is_str(str(j, "issuer"), "/Organization=Acme/CommonName=Bundle "
		    "Inter", "issuer: cfssl's /Type=value form");
		is_str(str(j, "subject"), "/CommonName=leaf.example.net",
		    "subject");
		is_str(str(j, "key_type"), "2048-bit RSA", "key_type");
		is_int(json_integer_value(json_object_get(j, "key_size")), 2048,
		    "key_size");
		is_str(str(j, "key"), "", "key: empty without -key");
		is_int((long long)json_array_size(json_object_get(j,
		    "hostnames")), 2, "hostnames: CN and DNS names, once each");
		ok(json_is_null(json_object_get(j, "ocsp")), "ocsp: null");
		st = json_object_get(j, "status");
		ok(json_is_true(json_object_get(st, "rebundled")),
		    "status.rebundled: the intermediate was added");
		ok(json_is_null(json_object_get(st, "expiring_SKIs")),
		    "status.expiring_SKIs: null");
		is_int((long long)json_array_size(json_object_get(st,
		    "untrusted_root_stores")), 0,
		    "status.untrusted_root_stores: []");
		is_int(json_integer_value(json_object_get(st, "code")), 2,
		    "status.code: not ubiquitous (SHA-2, ECDSA, no metadata)");
		is_int((long long)json_array_size(json_object_get(st,
		    "messages")), 3, "status.messages: SHA-2, ECDSA, metadata");
	}
	json_decref(j);

	/* The intermediate in the input, in either order. */
	is_int(bundle(rchain, NULL, root.pem, NULL, PKI_BUNDLE_OPTIMAL, &j,
	    &e), 0, "int + leaf (reversed), optimal: bundled");
	if (j != NULL) {
		ok(!json_is_true(json_object_get(json_object_get(j, "status"),
		    "rebundled")), "the input chain, turned around: not "
		    "rebundled");
		is_int(count(str(j, "bundle"), "BEGIN CERTIFICATE"), 2,
		    "bundle: leaf and intermediate");
	}
	json_decref(j);

	/* force: the input as it is, no root. */
	is_int(bundle(chain, leaf.keypem, root.pem, NULL, PKI_BUNDLE_FORCE, &j,
	    &e), 0, "force with -key: bundled");
	if (j != NULL) {
		is_str(str(j, "root"), "", "force: no root");
		ok(json_is_null(json_object_get(json_object_get(j, "status"),
		    "untrusted_root_stores")), "force: untrusted_root_stores "
		    "null");
		ok(count(str(j, "key"), "BEGIN RSA PRIVATE KEY") == 1,
		    "-key: the key in cfssl's format");
	}
	json_decref(j);

	/* Expiring within 30 days: cfssl's message, without its space. */
	is_int(bundle(soon.pem, NULL, root.pem, inter.pem,
	    PKI_BUNDLE_UBIQUITOUS, &j, &e), 0, "a leaf of 100h: bundled");
	if (j != NULL) {
		st = json_object_get(j, "status");
		is_str(json_string_value(json_array_get(json_object_get(st,
		    "messages"), 0)), "The bundle is expiring within 30 "
		    "days.The expiring cert is #1 in the chain.",
		    "expiring: cfssl 1.2.0's message");
		is_int(json_integer_value(json_object_get(st, "code")), 3,
		    "expiring: code 1 | 2");
		is_int((long long)json_array_size(json_object_get(st,
		    "expiring_SKIs")), 1, "expiring_SKIs: the leaf's");
	}
	json_decref(j);

	/* Errors. */
	is_int(bundle(leaf.pem, NULL, root.pem, NULL, PKI_BUNDLE_UBIQUITOUS,
	    &j, &e), PKI_ERR_SIGNATURE, "no intermediate: refused");
	ok(strstr(e.text, "leaf.pem: the chain does not verify: signed by an "
	    "unknown authority") != NULL, "unknown authority: %s", e.text);
	is_int(bundle(cli.pem, NULL, root.pem, inter.pem,
	    PKI_BUNDLE_UBIQUITOUS, &j, &e), PKI_ERR_SIGNATURE,
	    "a client-only leaf: refused (server auth, as cfssl 1.2.0)");
	is_int(bundle(root.pem, NULL, root.pem, NULL, PKI_BUNDLE_UBIQUITOUS,
	    &j, &e), PKI_ERR_INPUT, "a self-signed certificate: refused");
	is_int(bundle(leaf.pem, inter.keypem, root.pem, inter.pem,
	    PKI_BUNDLE_UBIQUITOUS, &j, &e), PKI_ERR_MISMATCH,
	    "a key of another certificate: refused");
	is_str(e.text, "leaf-key.pem: the private key does not match the "
	    "certificate leaf.pem", "mismatch: names both files");
	is_int(bundle(leaf.pem, NULL, "junk", NULL, PKI_BUNDLE_UBIQUITOUS, &j,
	    &e), PKI_ERR_PEM, "a CA bundle without certificates: refused");
	is_int(bundle(rchain, NULL, root.pem, NULL, PKI_BUNDLE_FORCE, &j, &e),
	    0, "force turns a reversed chain around too");
	json_decref(j);
	test_open(leaf.pem, inter.pem, root.pem);

	free(chain);
	free(rchain);
	made_clear(&root);
	made_clear(&inter);
	made_clear(&leaf);
	made_clear(&cli);
	made_clear(&soon);
	pki_config_free(cfg);
	return done_testing();
}
