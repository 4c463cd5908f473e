/*
 * t-cluster.c: the cluster description (pki_cluster_parse: defaults,
 * derived leaves, errors), cluster init (pki_cluster_init_json) and the
 * etcd.conf.yml / etcdctl.env texts (etcd-pki-cluster(5)).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/obj_mac.h>

#include "internal.h"
#include "cluster.h"
#include "../tap.h"

#define H	PKI_NS_PER_HOUR

static int
parse_src(const char *json, const char *source, int strict,
    struct pki_cluster **cl, struct pki_error *err)
{
	struct pki_parse_opts	po;

	memset(&po, 0, sizeof(po));
	memset(err, 0, sizeof(*err));
	tap_warnings[0] = '\0';
	po.strict = strict;
	po.warn = tap_collect;
	return pki_cluster_parse(json, strlen(json), source, &po, cl, err);
}

static int
parse(const char *json, int strict, struct pki_cluster **cl,
    struct pki_error *err)
{
	return parse_src(json, "desc.json", strict, cl, err);
}

/* Expects json to fail with code and message msg. */
static void
fails(const char *label, const char *json, int code, const char *msg)
{
	struct pki_cluster	*cl = (struct pki_cluster *)1;
	struct pki_error	 err;

	is_int(parse(json, 0, &cl, &err), code, "%s: code", label);
	is_str(err.text, msg, "%s: message", label);
	ok(cl == NULL, "%s: no object", label);
}

/* The strings of sv joined with ",". */
static const char *
joined(const struct pki_strv *sv)
{
	static char	buf[4096];
	size_t		i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < sv->n && n < sizeof(buf); i++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? "," : "",
		    sv->v[i]);
	return buf;
}

/* Returns 1 if the profile has the EKU nid. */
static int
has_eku(const struct pki_profile *p, int nid)
{
	size_t	i;

	for (i = 0; p != NULL && i < p->neku; i++)
		if (p->eku[i] == nid)
			return 1;
	return 0;
}

#define MIN1	"{\"name\": \"etcd1\", \"ips\": [\"10.0.0.1\"]}"

static const char member_csr[] =
"{\n"
"    \"CN\": \"etcd1\",\n"
"    \"hosts\": [\n"
"        \"10.0.0.1\",\n"
"        \"localhost\",\n"
"        \"127.0.0.1\",\n"
"        \"::1\"\n"
"    ],\n"
"    \"key\": {\n"
"        \"algo\": \"ecdsa\",\n"
"        \"size\": 256\n"
"    }\n"
"}\n";

static const char client_csr[] =
"{\n"
"    \"CN\": \"admin\",\n"
"    \"key\": {\n"
"        \"algo\": \"ecdsa\",\n"
"        \"size\": 256\n"
"    }\n"
"}\n";

static const char ca_csr[] =
"{\n"
"    \"CN\": \"etcd CA\",\n"
"    \"key\": {\n"
"        \"algo\": \"ecdsa\",\n"
"        \"size\": 256\n"
"    },\n"
"    \"ca\": {\n"
"        \"expiry\": \"87600h\"\n"
"    }\n"
"}\n";

static void
test_defaults(void)
{
	struct pki_cluster		*cl = NULL;
	struct pki_error		 err;
	const struct pki_cluster_member	*m;
	const struct pki_cluster_leaf	*l;

	is_int(parse("{\"members\": [" MIN1 "]}", 0, &cl, &err), 0,
	    "minimal: parses (%s)", err.text);
	if (cl == NULL)
		return;
	is_str(tap_warnings, "", "minimal: no warnings");
	is_str(cl->source, "desc.json", "minimal: source");
	is_str(cl->basedir, ".", "minimal: basedir");
	is_str(cl->name, "etcd", "default name");
	is_str(cl->token, "etcd-token", "default token");
	is_str(cl->ca_csr_json, ca_csr, "default CA CSR JSON");
	ok(cl->ca_csr != NULL && cl->ca_csr->has_ca_expiry &&
	    cl->ca_csr->ca_expiry == 87600 * H, "default CA expiry 87600h");
	ok(cl->ca_cert_file == NULL && cl->ca_key_file == NULL,
	    "no CA files by default");
	is_str(cl->peer_profile, "peer", "default peer profile");
	is_str(cl->client_profile, "client", "default client profile");
	is_int(cl->san_own, 0, "default san_policy all-members");
	is_int(cl->local_sans, 1, "default local_sans true");
	is_int(cl->fragments, 1, "default fragments true");
	ok(cl->pki_dir == NULL, "default pki_dir NULL");
	ok(cl->data_dir == NULL, "default data_dir NULL");
	is_int((long long)cl->nmembers, 1, "one member");
	m = &cl->members[0];
	is_str(m->name, "etcd1", "member name");
	is_int((long long)m->dns.n, 0, "no dns");
	is_str(joined(&m->peer_urls), "https://10.0.0.1:2380",
	    "default peer URL");
	is_str(joined(&m->client_urls), "https://10.0.0.1:2379",
	    "default client URL");
	is_str(joined(&m->listen_peer_urls), "https://10.0.0.1:2380",
	    "default listen peer URL");
	is_str(joined(&m->listen_client_urls), "https://10.0.0.1:2379",
	    "default listen client URL");
	ok(m->data_dir == NULL, "member data_dir NULL");
	is_int((long long)cl->nleaves, 2, "member + default admin client");
	l = &cl->leaves[0];
	is_str(l->name, "etcd1", "leaf 0 name");
	is_str(l->dir, "etcd1", "leaf 0 dir");
	is_int(l->member, 0, "leaf 0 member index");
	is_str(l->csr_json, member_csr, "member CSR JSON (guide shape)");
	ok(l->csr != NULL && strcmp(l->csr->cn, "etcd1") == 0 &&
	    l->csr->hosts.n == 4, "member CSR parsed");
	ok(l->profile != NULL && strcmp(l->profile->name, "peer") == 0,
	    "member profile: peer");
	ok(has_eku(l->profile, NID_server_auth) &&
	    has_eku(l->profile, NID_client_auth), "peer: server+client auth");
	ok(l->profile != NULL && l->profile->expiry == 43800 * H,
	    "default leaf expiry 43800h");
	l = &cl->leaves[1];
	is_str(l->name, "admin", "default client name");
	is_str(l->dir, "clients/admin", "client dir");
	is_int(l->member, -1, "client member index -1");
	is_str(l->csr_json, client_csr, "client CSR JSON: no hosts, no names");
	ok(l->profile != NULL && strcmp(l->profile->name, "client") == 0 &&
	    has_eku(l->profile, NID_client_auth) &&
	    !has_eku(l->profile, NID_server_auth), "client profile");
	pki_cluster_free(cl);

	/* Cluster defaults that reach the members. */
	cl = NULL;
	is_int(parse("{\"name\": \"prod\", \"data_dir\": \"/d\", \"key\": "
	    "{\"algo\": \"rsa\", \"size\": 3072}, \"ca\": {\"key\": {\"algo\": "
	    "\"ecdsa\", \"size\": 384}}, \"members\": [" MIN1 ", {\"name\": "
	    "\"etcd2\", \"ips\": [\"10.0.0.2\"], \"data_dir\": \"/e\"}], "
	    "\"clients\": []}", 0, &cl, &err), 0, "defaults 2: parses (%s)",
	    err.text);
	if (cl == NULL)
		return;
	is_str(cl->token, "prod-token", "token from the name");
	ok(cl->ca_csr != NULL && strcmp(cl->ca_csr->cn, "prod CA") == 0,
	    "CA CN from the name");
	ok(cl->ca_csr != NULL && strcmp(cl->ca_csr->key_algo, "ecdsa") == 0 &&
	    cl->ca_csr->key_size == 384, "CA key of its own");
	ok(cl->leaves[0].csr->key_size == 3072 &&
	    strcmp(cl->leaves[0].csr->key_algo, "rsa") == 0,
	    "leaf key: the top-level key");
	is_str(cl->members[0].data_dir, "/d", "member data_dir default");
	is_str(cl->members[1].data_dir, "/e", "member data_dir own");
	is_int((long long)cl->nleaves, 2, "clients [] means none");
	pki_cluster_free(cl);

	/* The CA key defaults to the top-level key. */
	cl = NULL;
	is_int(parse("{\"key\": {\"algo\": \"ed25519\"}, \"members\": [" MIN1
	    "]}", 0, &cl, &err), 0, "ed25519: parses");
	if (cl != NULL)
		ok(strcmp(cl->ca_csr->key_algo, "ed25519") == 0 &&
		    strstr(cl->leaves[0].csr_json, "\"size\"") == NULL,
		    "ed25519 for the CA too, no size in the CSR JSON");
	pki_cluster_free(cl);
}

static void
test_paths(void)
{
	struct pki_cluster	*cl = NULL;
	struct pki_error	 err;

	is_int(parse_src("{\"ca\": {\"cert_file\": \"ca.pem\", \"key_file\": "
	    "\"/abs/ca-key.pem\"}, \"pki_dir\": \"/etc/etcd/pki\", "
	    "\"members\": [" MIN1 "]}", "dir/sub/desc.json", 0, &cl, &err), 0,
	    "CA files: parse (%s)", err.text);
	if (cl == NULL)
		return;
	is_str(cl->basedir, "dir/sub", "basedir");
	is_str(cl->ca_cert_file, "dir/sub/ca.pem", "cert_file resolved");
	is_str(cl->ca_key_file, "/abs/ca-key.pem", "absolute key_file kept");
	ok(cl->ca_csr == NULL && cl->ca_csr_json == NULL, "no CA CSR");
	is_str(cl->pki_dir, "/etc/etcd/pki", "pki_dir");
	pki_cluster_free(cl);

	cl = NULL;
	is_int(parse_src("{\"ca\": {\"cert_file\": \"ca.pem\", \"key_file\": "
	    "\"k.pem\"}, \"members\": [" MIN1 "]}", "/desc.json", 0, &cl,
	    &err), 0, "root directory");
	if (cl != NULL)
		is_str(cl->ca_cert_file, "/ca.pem", "cert_file under /");
	pki_cluster_free(cl);

	/* CA subject keys next to files: ignored, with a warning. */
	cl = NULL;
	is_int(parse("{\"ca\": {\"CN\": \"x\", \"cert_file\": \"c\", "
	    "\"key_file\": \"k\"}, \"members\": [" MIN1 "]}", 0, &cl, &err), 0,
	    "ca.CN with files: parses");
	is_str(tap_warnings, "desc.json: ca.CN: ignored: the CA comes from "
	    "cert_file and key_file\n", "ca.CN with files: warning");
	pki_cluster_free(cl);
	cl = NULL;
	is_int(parse("{\"ca\": {\"CN\": \"x\", \"cert_file\": \"c\", "
	    "\"key_file\": \"k\"}, \"members\": [" MIN1 "]}", 1, &cl, &err),
	    PKI_ERR_INPUT, "ca.CN with files: strict error");
	pki_cluster_free(cl);

	/* signing.config relative to the description. */
	cl = NULL;
	is_int(parse_src("{\"signing\": {\"config\": \"../config/signing.json\","
	    " \"peer_profile\": \"etcd-peer\", \"client_profile\": "
	    "\"etcd-client\"}, \"members\": [" MIN1 "]}",
	    tap_srcpath("tests/data/cluster/valid/inline.json"), 0, &cl, &err),
	    0, "signing.config: parses (%s)", err.text);
	if (cl != NULL) {
		ok(cl->leaves[0].profile != NULL &&
		    strcmp(cl->leaves[0].profile->name, "etcd-peer") == 0,
		    "signing.config: peer profile");
		ok(cl->leaves[1].profile != NULL &&
		    cl->leaves[1].profile->expiry == 720 * H,
		    "signing.config: client profile expiry 720h");
	}
	pki_cluster_free(cl);
}

/* The hosts of leaf i, joined. */
static const char *
leaf_hosts(const struct pki_cluster *cl, size_t i)
{
	return joined(&cl->leaves[i].csr->hosts);
}

#define THREE \
	"\"members\": [" \
	"{\"name\": \"a\", \"dns\": [\"a.ex\", \"lb.ex\"], " \
	"\"ips\": [\"10.0.0.1\", \"fd00::1\"]}, " \
	"{\"name\": \"b\", \"dns\": [\"b.ex\", \"LB.ex\"], " \
	"\"ips\": [\"127.0.0.1\"]}, " \
	"{\"name\": \"c\", \"ips\": [\"10.0.0.3\"]}]"

static void
test_hosts(void)
{
	struct pki_cluster	*cl = NULL;
	struct pki_error	 err;

	is_int(parse("{" THREE "}", 0, &cl, &err), 0, "three: parses (%s)",
	    err.text);
	if (cl == NULL)
		return;
	is_str(leaf_hosts(cl, 0), "a.ex,lb.ex,10.0.0.1,fd00::1,b.ex,127.0.0.1,"
	    "10.0.0.3,localhost,::1", "all-members: a (own first; LB.ex is "
	    "lb.ex; 127.0.0.1 once)");
	is_str(leaf_hosts(cl, 1), "b.ex,LB.ex,127.0.0.1,a.ex,10.0.0.1,fd00::1,"
	    "10.0.0.3,localhost,::1", "all-members: b");
	is_str(leaf_hosts(cl, 2), "10.0.0.3,a.ex,lb.ex,10.0.0.1,fd00::1,b.ex,"
	    "127.0.0.1,localhost,::1", "all-members: c");
	is_str(leaf_hosts(cl, 3), "", "client: no hosts");
	pki_cluster_free(cl);

	cl = NULL;
	is_int(parse("{\"san_policy\": \"own\", " THREE "}", 0, &cl, &err), 0,
	    "own: parses");
	if (cl == NULL)
		return;
	is_str(leaf_hosts(cl, 0), "a.ex,lb.ex,10.0.0.1,fd00::1,localhost,"
	    "127.0.0.1,::1", "own: a");
	is_str(leaf_hosts(cl, 1), "b.ex,LB.ex,127.0.0.1,localhost,::1",
	    "own: b (127.0.0.1 not twice)");
	pki_cluster_free(cl);

	cl = NULL;
	is_int(parse("{\"san_policy\": \"own\", \"local_sans\": false, " THREE
	    "}", 0, &cl, &err), 0, "own, no local: parses");
	if (cl != NULL)
		is_str(leaf_hosts(cl, 2), "10.0.0.3", "own, no local: c");
	pki_cluster_free(cl);

	cl = NULL;
	is_int(parse("{\"local_sans\": false, " THREE "}", 0, &cl, &err), 0,
	    "all, no local: parses");
	if (cl != NULL)
		is_str(leaf_hosts(cl, 2), "10.0.0.3,a.ex,lb.ex,10.0.0.1,fd00::1,"
		    "b.ex,127.0.0.1", "all, no local: c");
	pki_cluster_free(cl);

	/* Members on one host share its IP: each address once. */
	cl = NULL;
	is_int(parse("{\"members\": ["
	    "{\"name\": \"a\", \"ips\": [\"127.0.0.1\"], \"peer_urls\": "
	    "[\"https://127.0.0.1:2380\"], \"client_urls\": "
	    "[\"https://127.0.0.1:2379\"]}, "
	    "{\"name\": \"b\", \"ips\": [\"127.0.0.1\", \"::1\"], "
	    "\"peer_urls\": [\"https://127.0.0.1:12380\"], \"client_urls\": "
	    "[\"https://127.0.0.1:12379\"]}, "
	    "{\"name\": \"c\", \"ips\": [\"::ffff:127.0.0.1\", "
	    "\"0:0::1\", \"10.0.0.9\"], \"peer_urls\": "
	    "[\"https://10.0.0.9:2380\"], \"client_urls\": "
	    "[\"https://10.0.0.9:2379\"]}]}", 0, &cl, &err), 0,
	    "shared IPs: parses (%s)", err.text);
	if (cl != NULL) {
		is_str(leaf_hosts(cl, 0), "127.0.0.1,::1,10.0.0.9,localhost",
		    "shared IPs: a lists 127.0.0.1 and ::1 once");
		is_str(leaf_hosts(cl, 1), "127.0.0.1,::1,10.0.0.9,localhost",
		    "shared IPs: b, its own first");
		is_str(leaf_hosts(cl, 2), "::ffff:127.0.0.1,0:0::1,10.0.0.9,"
		    "localhost", "shared IPs: c (other spellings of one "
		    "address are that address)");
	}
	pki_cluster_free(cl);

	/* A client's own CN, names and hosts. */
	cl = NULL;
	is_int(parse("{\"names\": [{\"O\": \"top\"}], \"members\": [" MIN1 "],"
	    " \"clients\": [{\"name\": \"k\", \"CN\": \"system:k\", \"hosts\": "
	    "[\"k.ex\"]}, {\"name\": \"n\", \"names\": [{\"O\": \"own\"}]}, "
	    "{\"name\": \"e\", \"names\": []}]}", 0, &cl, &err), 0,
	    "clients: parse (%s)", err.text);
	if (cl != NULL && cl->nleaves == 4) {
		is_str(cl->leaves[1].csr->cn, "system:k", "client CN");
		is_str(leaf_hosts(cl, 1), "k.ex", "client hosts");
		ok(cl->leaves[1].csr->nnames == 1 &&
		    strcmp(cl->leaves[1].csr->names[0].o, "top") == 0,
		    "client names default: top-level");
		ok(cl->leaves[2].csr->nnames == 1 &&
		    strcmp(cl->leaves[2].csr->names[0].o, "own") == 0,
		    "client names of its own");
		is_int((long long)cl->leaves[3].csr->nnames, 0,
		    "client names []: none");
		ok(cl->leaves[0].csr->nnames == 1 &&
		    strcmp(cl->leaves[0].csr->names[0].o, "top") == 0,
		    "member names: top-level");
	} else
		ok(0, "clients: 4 leaves");
	pki_cluster_free(cl);
}

static void
test_urls(void)
{
	struct pki_cluster		*cl = NULL;
	struct pki_error		 err;
	const struct pki_cluster_member	*m;

	is_int(parse("{\"members\": [{\"name\": \"a\", \"dns\": [\"a.ex\"], "
	    "\"ips\": [\"fd00::1\", \"10.0.0.1\"], \"peer_urls\": "
	    "[\"https://a.ex:2380\", \"https://[fd00::1]:2381\"], "
	    "\"client_urls\": [\"https://A.EX:2379\"]}]}", 0, &cl, &err), 0,
	    "URLs: parse (%s)", err.text);
	if (cl == NULL)
		return;
	m = &cl->members[0];
	is_str(joined(&m->listen_peer_urls), "https://[fd00::1]:2380,"
	    "https://[fd00::1]:2381", "listen peer: DNS host -> first IP");
	is_str(joined(&m->listen_client_urls), "https://[fd00::1]:2379",
	    "listen client: DNS host -> first IP, bracketed");
	pki_cluster_free(cl);

	cl = NULL;
	is_int(parse("{\"members\": [{\"name\": \"a\", \"ips\": [\"fd00::9\"]}]}",
	    0, &cl, &err), 0, "IPv6 default URLs");
	if (cl != NULL)
		is_str(joined(&cl->members[0].peer_urls),
		    "https://[fd00::9]:2380", "IPv6 peer URL in brackets");
	pki_cluster_free(cl);
}

static void
test_errors(void)
{
	fails("member without IP", "{\"members\": [" MIN1 ", {\"name\": "
	    "\"etcd2\", \"dns\": [\"etcd2\"]}]}", PKI_ERR_INPUT,
	    "desc.json: members[1].ips: member \"etcd2\" needs at least one IP "
	    "address");
	fails("IP in DNS list", "{\"members\": [{\"name\": \"etcd1\", \"dns\": "
	    "[\"etcd1\", \"10.0.0.1\"], \"ips\": [\"10.0.0.1\"]}]}",
	    PKI_ERR_INPUT, "desc.json: members[0].dns[1]: \"10.0.0.1\" is an IP "
	    "address: list it under ips");
	fails("duplicate name", "{\"members\": [" MIN1 ", {\"name\": \"etcd2\","
	    " \"ips\": [\"10.0.0.2\"]}, {\"name\": \"etcd1\", \"ips\": "
	    "[\"10.0.0.3\"]}]}", PKI_ERR_INPUT, "desc.json: members[2].name: "
	    "duplicate member name \"etcd1\" (also members[0])");
	fails("duplicate name, case", "{\"members\": [" MIN1 ", {\"name\": "
	    "\"Etcd1\", \"ips\": [\"10.0.0.2\"]}]}", PKI_ERR_INPUT,
	    "desc.json: members[1].name: duplicate member name \"Etcd1\" "
	    "(also members[0])");
	fails("empty members", "{\"members\": []}", PKI_ERR_INPUT,
	    "desc.json: members: at least one member is required");
	fails("no members", "{}", PKI_ERR_INPUT,
	    "desc.json: members: at least one member is required");
	fails("null members", "{\"members\": null}", PKI_ERR_INPUT,
	    "desc.json: members: at least one member is required");
	fails("shared IP, same ports", "{\"members\": [" MIN1 ", {\"name\": "
	    "\"etcd2\", \"ips\": [\"::ffff:10.0.0.1\"], \"peer_urls\": "
	    "[\"https://10.0.0.1:2380\"]}]}", PKI_ERR_INPUT,
	    "desc.json: members[1].peer_urls[0]: \"https://10.0.0.1:2380\" is "
	    "also members[0].peer_urls[0] (member \"etcd1\"): members that "
	    "share an IP address need distinct ports");
	fails("not an IP", "{\"members\": [{\"name\": \"a\", \"ips\": "
	    "[\"a.ex\"]}]}", PKI_ERR_INPUT, "desc.json: members[0].ips[0]: "
	    "\"a.ex\" is not an IP address: list names under dns");
	fails("bad name", "{\"members\": [{\"name\": \"-a\", \"ips\": "
	    "[\"10.0.0.1\"]}]}", PKI_ERR_INPUT, "desc.json: members[0].name: "
	    "\"-a\" is not a valid member name ([A-Za-z0-9][A-Za-z0-9._-]*, at "
	    "most 63 characters)");
	fails("name clients", "{\"members\": [{\"name\": \"clients\", \"ips\": "
	    "[\"10.0.0.1\"]}]}", PKI_ERR_INPUT, "desc.json: members[0].name: "
	    "\"clients\" is reserved for the client certificates' directory");
	fails("http URL", "{\"members\": [{\"name\": \"a\", \"ips\": "
	    "[\"10.0.0.1\"], \"peer_urls\": [\"http://10.0.0.1:2380\"]}]}",
	    PKI_ERR_INPUT, "desc.json: members[0].peer_urls[0]: "
	    "\"http://10.0.0.1:2380\": http:// is not allowed: etcd-pki sets up "
	    "TLS, use https://");
	fails("URL without port", "{\"members\": [{\"name\": \"a\", \"ips\": "
	    "[\"10.0.0.1\"], \"client_urls\": [\"https://10.0.0.1\"]}]}",
	    PKI_ERR_INPUT, "desc.json: members[0].client_urls[0]: "
	    "\"https://10.0.0.1\": needs a port (https://HOST:PORT)");
	fails("URL port 0", "{\"members\": [{\"name\": \"a\", \"ips\": "
	    "[\"10.0.0.1\"], \"client_urls\": [\"https://10.0.0.1:0\"]}]}",
	    PKI_ERR_INPUT, "desc.json: members[0].client_urls[0]: "
	    "\"https://10.0.0.1:0\": the port must be 1..65535");
	fails("IPv6 URL without brackets", "{\"members\": [{\"name\": \"a\", "
	    "\"ips\": [\"fd00::1\"], \"client_urls\": [\"https://fd00::1:2379\"]"
	    "}]}", PKI_ERR_INPUT, "desc.json: members[0].client_urls[0]: "
	    "\"https://fd00::1:2379\": IPv6 addresses go in brackets "
	    "(https://[ADDRESS]:PORT)");
	fails("URL host not the member's", "{\"members\": [{\"name\": \"a\", "
	    "\"ips\": [\"10.0.0.1\"], \"peer_urls\": [\"https://10.0.0.9:2380\"]"
	    "}]}", PKI_ERR_INPUT, "desc.json: members[0].peer_urls[0]: host "
	    "\"10.0.0.9\" of \"https://10.0.0.9:2380\" is not one of member "
	    "\"a\"'s ips");
	fails("listen on a name", "{\"members\": [{\"name\": \"a\", \"dns\": "
	    "[\"a.ex\"], \"ips\": [\"10.0.0.1\"], \"listen_client_urls\": "
	    "[\"https://a.ex:2379\"]}]}", PKI_ERR_INPUT,
	    "desc.json: members[0].listen_client_urls[0]: \"https://a.ex:2379\":"
	    " etcd listens on IP addresses, not on host names");
	fails("unknown profile", "{\"signing\": {\"peer_profile\": \"server\"},"
	    " \"members\": [" MIN1 "]}", PKI_ERR_PROFILE,
	    "desc.json: signing.peer_profile: unknown profile \"server\" "
	    "(known: default, peer, client)");
	fails("peer profile without server auth", "{\"signing\": "
	    "{\"peer_profile\": \"client\"}, \"members\": [" MIN1 "]}",
	    PKI_ERR_CONFIG, "desc.json: signing.peer_profile: profile "
	    "\"client\" needs the usages \"server auth\" and \"client auth\" "
	    "(etcd peers are both)");
	fails("unknown client profile", "{\"signing\": {\"client_profile\": "
	    "\"admin\"}, \"members\": [" MIN1 "]}", PKI_ERR_PROFILE,
	    "desc.json: signing.client_profile: unknown profile \"admin\" "
	    "(known: default, peer, client)");
	fails("bad san_policy", "{\"san_policy\": \"all\", \"members\": [" MIN1
	    "]}", PKI_ERR_INPUT, "desc.json: san_policy: unknown policy \"all\" "
	    "(all-members, own)");
	fails("ca.cert_file alone", "{\"ca\": {\"cert_file\": \"c.pem\"}, "
	    "\"members\": [" MIN1 "]}", PKI_ERR_INPUT, "desc.json: ca.key_file:"
	    " missing: cert_file and key_file name an existing CA together");
	fails("ca.names through the CSR rules", "{\"ca\": {\"names\": "
	    "[{\"C\": 1}]}, \"members\": [" MIN1 "]}", PKI_ERR_INPUT,
	    "desc.json: ca.names[0].C: expected string, got integer");
	fails("key through the CSR rules", "{\"key\": {\"algo\": \"rsa\", "
	    "\"size\": 1024}, \"members\": [" MIN1 "]}", PKI_ERR_KEY,
	    "desc.json: key.size: 1024 is too small for rsa (2048..8192)");
	fails("signing.expiry zero", "{\"signing\": {\"expiry\": \"0\"}, "
	    "\"members\": [" MIN1 "]}", PKI_ERR_INPUT,
	    "desc.json: signing.expiry: must be positive (got \"0\")");
	fails("duplicate client", "{\"members\": [" MIN1 "], \"clients\": "
	    "[{\"name\": \"a\"}, {\"name\": \"A\"}]}", PKI_ERR_INPUT,
	    "desc.json: clients[1].name: duplicate client name \"A\" (also "
	    "clients[0])");
	fails("name with a newline", "{\"name\": \"a\\nb\", \"members\": ["
	    MIN1 "]}", PKI_ERR_INPUT, "desc.json: name: must not contain "
	    "control characters");
	fails("not JSON", "{\"members\": [", PKI_ERR_JSON,
	    "desc.json:1:13: ']' expected near end of file");
}

static void
test_unknown_keys(void)
{
	struct pki_cluster	*cl = NULL;
	struct pki_error	 err;
	const char		*json = "{\"members\": [{\"name\": \"a\", "
	    "\"ips\": [\"10.0.0.1\"], \"hosts\": [\"a\"]}], \"nmae\": \"x\", "
	    "\"ca\": {\"names\": [{\"X\": \"y\"}]}}";

	is_int(parse(json, 0, &cl, &err), 0, "unknown keys: warnings only");
	is_str(tap_warnings, "desc.json: nmae: unknown key \"nmae\", did you "
	    "mean \"name\"?\n"
	    "desc.json: ca.names[0].X: unknown key \"X\", did you mean "
	    "\"C\"?\n"
	    "desc.json: members[0].hosts: unknown key \"hosts\" (use \"dns\" for "
	    "names and \"ips\" for addresses)\n", "unknown keys: the warnings");
	pki_cluster_free(cl);
	cl = NULL;
	is_int(parse(json, 1, &cl, &err), PKI_ERR_UNKNOWN_KEY,
	    "unknown keys: strict error");
	is_str(err.text, "desc.json: nmae: unknown key \"nmae\", did you mean "
	    "\"name\"?", "unknown keys: strict message");
	ok(cl == NULL, "unknown keys: strict, no object");
	cl = NULL;
	is_int(parse("{\"members\": [{\"name\": \"a\", \"ips\": [\"10.0.0.1\"],"
	    " \"hosts\": [\"a\"]}]}", 1, &cl, &err), PKI_ERR_UNKNOWN_KEY,
	    "member key: strict error");
	is_str(err.text, "desc.json: members[0].hosts: unknown key \"hosts\" "
	    "(use \"dns\" for names and \"ips\" for addresses)",
	    "member key: strict message");
	cl = NULL;
	is_int(parse("{\"Members\": [{\"NAME\": \"a\", \"IPS\": [\"10.0.0.1\"]}],"
	    " \"SAN_policy\": \"own\"}", 1, &cl, &err), 0,
	    "keys match ignoring case, even strict");
	if (cl != NULL)
		is_int(cl->san_own, 1, "SAN_policy read");
	pki_cluster_free(cl);
}

/* init with in; returns the JSON (caller frees) or NULL, err filled. */
static char *
init(const struct pki_cluster_init *in, struct pki_error *err)
{
	char	*json = NULL;

	memset(err, 0, sizeof(*err));
	if (pki_cluster_init_json(in, &json, err) != 0)
		return NULL;
	return json;
}

/* Parses init output (which must end in a newline). */
static struct pki_cluster *
reparse(const char *json, const char *label)
{
	struct pki_cluster	*cl = NULL;
	struct pki_error	 err;
	size_t			 n = strlen(json);

	ok(n > 0 && json[n - 1] == '\n', "%s: ends in a newline", label);
	if (parse(json, 1, &cl, &err) != 0)
		diag("%s", err.text);
	ok(cl != NULL, "%s: parses back, strict", label);
	return cl;
}

static void
init_fails(const char *label, const struct pki_cluster_init *in, int code,
    const char *msg)
{
	struct pki_error	 err;
	char			*json = (char *)1;

	memset(&err, 0, sizeof(err));
	is_int(pki_cluster_init_json(in, &json, &err), code, "%s: code",
	    label);
	is_str(err.text, msg, "%s: message", label);
	ok(json == NULL, "%s: no output", label);
}

static void
test_init_example(void)
{
	struct pki_cluster_init	 in;
	struct pki_cluster	*cl;
	struct pki_error	 err;
	char			*json, *want;

	memset(&in, 0, sizeof(in));
	if ((json = init(&in, &err)) == NULL) {
		ok(0, "example: %s", err.text);
		return;
	}
	want = tap_slurp(tap_srcpath("tests/data/cluster/valid/example.json"),
	    NULL);
	is_str(json, want, "example: tests/data/cluster/valid/example.json");
	free(want);
	ok(strncmp(json, "{\n    \"name\": \"example\",\n    \"token\": "
	    "\"example-token\",\n    \"ca\": {", 52) == 0,
	    "example: 4-space indent, name, token, ca first");
	ok(strstr(json, "\"local_sans\": true,\n    \"fragments\": true,\n"
	    "    \"data_dir\": \"/var/lib/etcd\",\n    \"members\": [") != NULL,
	    "example: key order ... local_sans, fragments, data_dir, members");
	cl = reparse(json, "example");
	if (cl != NULL) {
		is_str(cl->name, "example", "example: name");
		is_int((long long)cl->nmembers, 3, "example: 3 members");
		is_str(cl->members[2].name, "etcd3", "example: etcd3");
		is_str(joined(&cl->members[1].dns), "etcd2,"
		    "etcd2.example.internal", "example: dns");
		is_str(joined(&cl->members[0].ips), "192.0.2.11",
		    "example: ip etcd1");
		is_str(joined(&cl->members[2].ips), "192.0.2.13",
		    "example: ip etcd3");
		ok(strcmp(cl->leaves[0].csr->key_algo, "rsa") == 0 &&
		    cl->leaves[0].csr->key_size == 2048, "example: rsa-2048");
		is_str(cl->ca_csr->cn, "etcd-pki example CA", "example: CA CN");
		ok(cl->ca_csr->nnames == 1 &&
		    strcmp(cl->ca_csr->names[0].ou, "CA") == 0 &&
		    strcmp(cl->ca_csr->names[0].l, "San Francisco") == 0,
		    "example: CA names of the guide");
		ok(cl->leaves[0].csr->nnames == 1 &&
		    strcmp(cl->leaves[0].csr->names[0].ou, "etcd peers") == 0,
		    "example: leaf names of the guide");
		is_str(cl->data_dir, "/var/lib/etcd", "example: data_dir");
		ok(cl->ca_csr->ca_expiry == 87600 * H &&
		    cl->leaves[0].profile->expiry == 43800 * H,
		    "example: expiries");
		is_int((long long)cl->nleaves, 4, "example: admin client");
		is_str(cl->leaves[3].dir, "clients/admin", "example: admin");
	}
	pki_cluster_free(cl);
	free(json);

	/* -name, -token and -key-algo on the example. */
	in.name = "lab";
	in.token = "lab-42";
	in.key_algo = "ecdsa-384";
	if ((json = init(&in, &err)) == NULL) {
		ok(0, "example with flags: %s", err.text);
		return;
	}
	cl = reparse(json, "example with flags");
	if (cl != NULL) {
		is_str(cl->name, "lab", "-name");
		is_str(cl->token, "lab-42", "-token");
		ok(cl->ca_csr->key_size == 384 &&
		    cl->leaves[1].csr->key_size == 384, "-key-algo: CA and leaves");
	}
	pki_cluster_free(cl);
	free(json);
	in.key_algo = "dsa-1024";
	init_fails("bad -key-algo", &in, PKI_ERR_KEY, "-key-algo: unknown key "
	    "\"dsa-1024\" (ecdsa-256, ecdsa-384, ecdsa-521, rsa-2048, rsa-3072, "
	    "rsa-4096, ed25519)");
	in.key_algo = NULL;
	in.token = "a\tb";
	init_fails("bad -token", &in, PKI_ERR_INPUT, "-token: must not contain "
	    "control characters");
}

static void
test_init_initial_cluster(void)
{
	struct pki_cluster_init	 in;
	struct pki_cluster	*cl;
	struct pki_error	 err;
	char			*json;

	memset(&in, 0, sizeof(in));
	in.initial_cluster = "etcd1=https://10.0.0.1:2380,"
	    "etcd2=https://h2.example:2380,etcd2=https://[fd00::2]:2381";
	in.ips = "etcd2=10.0.0.2";
	in.dns = "etcd1=e1.example,etcd1=E1.example";
	if ((json = init(&in, &err)) == NULL) {
		ok(0, "initial-cluster: %s", err.text);
		return;
	}
	cl = reparse(json, "initial-cluster");
	if (cl != NULL && cl->nmembers == 2) {
		is_str(cl->name, "etcd", "initial-cluster: default name");
		is_str(cl->token, "etcd-token", "initial-cluster: token");
		is_str(joined(&cl->members[0].dns), "e1.example",
		    "initial-cluster: -dns added once");
		is_str(joined(&cl->members[0].ips), "10.0.0.1",
		    "initial-cluster: IP host -> ips");
		is_str(joined(&cl->members[1].dns), "h2.example",
		    "initial-cluster: name host -> dns");
		is_str(joined(&cl->members[1].ips), "fd00::2,10.0.0.2",
		    "initial-cluster: ips from URL, then -ips");
		is_str(joined(&cl->members[1].peer_urls),
		    "https://h2.example:2380,https://[fd00::2]:2381",
		    "initial-cluster: both peer URLs");
		is_str(joined(&cl->members[1].client_urls),
		    "https://[fd00::2]:2379", "initial-cluster: client default");
		ok(strcmp(cl->leaves[0].csr->key_algo, "ecdsa") == 0,
		    "initial-cluster: ecdsa by default");
	} else
		ok(0, "initial-cluster: two members");
	pki_cluster_free(cl);
	free(json);

	memset(&in, 0, sizeof(in));
	in.initial_cluster = "etcd1=https://10.0.0.1:2380,"
	    "etcd2=https://h2.example:2380";
	init_fails("member without IP", &in, PKI_ERR_INPUT, "member \"etcd2\" "
	    "has no IP address: add one with -ips etcd2=ADDRESS");
	in.ips = "etcd3=10.0.0.3";
	init_fails("-ips unknown member", &in, PKI_ERR_INPUT, "-ips: "
	    "\"etcd3=10.0.0.3\": unknown member \"etcd3\" (members: etcd1, "
	    "etcd2)");
	in.ips = "etcd2=h2";
	init_fails("-ips not an IP", &in, PKI_ERR_INPUT, "-ips: \"etcd2=h2\": "
	    "\"h2\" is not an IP address: use -dns for names");
	in.ips = "etcd2=10.0.0.2";
	in.dns = "etcd2=10.0.0.7";
	init_fails("-dns with an IP", &in, PKI_ERR_INPUT, "-dns: "
	    "\"etcd2=10.0.0.7\": \"10.0.0.7\" is an IP address: use -ips");
	in.dns = "etcd4=x";
	init_fails("-dns unknown member", &in, PKI_ERR_INPUT, "-dns: "
	    "\"etcd4=x\": unknown member \"etcd4\" (members: etcd1, etcd2)");
	memset(&in, 0, sizeof(in));
	in.initial_cluster = "etcd1=http://10.0.0.1:2380";
	init_fails("http initial-cluster", &in, PKI_ERR_INPUT,
	    "-initial-cluster: \"http://10.0.0.1:2380\": http:// is not "
	    "allowed: etcd-pki sets up TLS, use https://");
	in.initial_cluster = "etcd1";
	init_fails("initial-cluster without =", &in, PKI_ERR_INPUT,
	    "-initial-cluster: \"etcd1\": expected NAME=URL");
	in.initial_cluster = "etcd1=https://10.0.0.1:2380,"
	    "etcd2=https://10.0.0.1:2381";
	init_fails("shared IP and port (caught by the parse back)", &in,
	    PKI_ERR_INPUT, "<generated description>: members[1].client_urls[0]: "
	    "\"https://10.0.0.1:2379\" is also members[0].client_urls[0] "
	    "(member \"etcd1\"): members that share an IP address need "
	    "distinct ports");
}

static void
test_init_ips(void)
{
	struct pki_cluster_init	 in;
	struct pki_cluster	*cl;
	struct pki_error	 err;
	char			*json;

	memset(&in, 0, sizeof(in));
	in.ips = "a=10.0.0.1,b=10.0.0.2,a=fd00::1";
	in.dns = "b=b.example";
	if ((json = init(&in, &err)) == NULL) {
		ok(0, "-ips alone: %s", err.text);
		return;
	}
	cl = reparse(json, "-ips alone");
	if (cl != NULL && cl->nmembers == 2) {
		is_str(cl->members[0].name, "a", "-ips alone: a first");
		is_str(joined(&cl->members[0].ips), "10.0.0.1,fd00::1",
		    "-ips alone: a's ips");
		is_str(joined(&cl->members[1].dns), "b.example",
		    "-ips alone: -dns for b");
		is_str(cl->name, "etcd", "-ips alone: not the example");
	} else
		ok(0, "-ips alone: two members");
	pki_cluster_free(cl);
	free(json);
	in.dns = "c=c.example";
	init_fails("-dns adds a member without IP", &in, PKI_ERR_INPUT,
	    "member \"c\" has no IP address: add one with -ips c=ADDRESS");
}

static void
test_init_yaml(void)
{
	struct pki_cluster_init	 in;
	struct pki_cluster	*cl;
	struct pki_error	 err;
	char			*json, f[3][1024], msg[3000];
	const char		*files[3];
	int			 i;

	for (i = 0; i < 3; i++) {
		snprintf(f[i], sizeof(f[i]), "%s", tap_srcpath(i == 0 ?
		    "tests/data/cluster/yaml/etcd1.yml" : i == 1 ?
		    "tests/data/cluster/yaml/etcd2.yml" :
		    "tests/data/cluster/yaml/etcd3.yml"));
		files[i] = f[i];
	}
	memset(&in, 0, sizeof(in));
	in.yaml = files;
	in.nyaml = 3;
	if ((json = init(&in, &err)) == NULL) {
		ok(0, "yaml: %s", err.text);
		return;
	}
	cl = reparse(json, "yaml");
	if (cl != NULL && cl->nmembers == 3) {
		is_str(cl->token, "prod-cluster", "yaml: token");
		is_str(cl->members[0].data_dir, "/var/lib/etcd/etcd1",
		    "yaml: data-dir");
		ok(cl->members[2].data_dir == NULL, "yaml: data-dir ~ is null");
		is_str(joined(&cl->members[0].client_urls),
		    "https://10.0.0.1:2379,https://etcd1.example.internal:2379",
		    "yaml: advertise-client-urls");
		is_str(joined(&cl->members[0].dns), "etcd1.example.internal",
		    "yaml: client URL host -> dns");
		is_str(joined(&cl->members[0].listen_client_urls),
		    "https://10.0.0.1:2379,https://127.0.0.1:2379",
		    "yaml: listen-client-urls");
		is_str(joined(&cl->members[2].ips), "10.0.0.3",
		    "yaml: etcd3's IP from advertise-client-urls");
		is_str(joined(&cl->members[2].peer_urls),
		    "https://etcd3.example.internal:2380", "yaml: etcd3 peer");
		is_str(joined(&cl->members[2].listen_peer_urls),
		    "https://10.0.0.3:2380", "yaml: etcd3 listen peer default");
	} else
		ok(0, "yaml: three members");
	pki_cluster_free(cl);
	free(json);

	/*
	 * The guide's files: host names in every advertised URL, the IP
	 * addresses in listen-peer-urls (not 0.0.0.0 or ::; loopback only
	 * when there is no other).
	 */
	snprintf(f[0], sizeof(f[0]), "%s",
	    tap_srcpath("tests/data/cluster/yaml/names-etcd1.yml"));
	snprintf(f[1], sizeof(f[1]), "%s",
	    tap_srcpath("tests/data/cluster/yaml/names-etcd2.yml"));
	in.nyaml = 2;
	cl = NULL;
	if ((json = init(&in, &err)) == NULL)
		ok(0, "yaml with host names: %s", err.text);
	else if ((cl = reparse(json, "yaml names")) != NULL &&
	    cl->nmembers == 2) {
		is_str(joined(&cl->members[0].ips), "10.0.1.1",
		    "yaml names: etcd1's IP from listen-peer-urls");
		is_str(joined(&cl->members[1].ips), "10.0.1.2",
		    "yaml names: etcd2's IP (0.0.0.0 and :: name none)");
		is_str(joined(&cl->members[0].dns), "etcd1.example.internal",
		    "yaml names: etcd1's DNS name");
	} else
		ok(0, "yaml names: two members");
	pki_cluster_free(cl);
	free(json);
	for (i = 0; i < 3; i++)
		snprintf(f[i], sizeof(f[i]), "%s", tap_srcpath(i == 0 ?
		    "tests/data/cluster/yaml/etcd1.yml" : i == 1 ?
		    "tests/data/cluster/yaml/etcd2.yml" :
		    "tests/data/cluster/yaml/etcd3.yml"));

	/* Without etcd3.yml, etcd3 (a name in initial-cluster) has no IP. */
	in.nyaml = 2;
	init_fails("yaml: member without IP", &in, PKI_ERR_INPUT,
	    "member \"etcd3\" has no IP address: add one with -ips "
	    "etcd3=ADDRESS");
	in.ips = "etcd3=10.0.0.3";
	if ((json = init(&in, &err)) == NULL)
		ok(0, "yaml + -ips: %s", err.text);
	else
		ok(strstr(json, "\"10.0.0.3\"") != NULL, "yaml + -ips");
	free(json);
	in.ips = NULL;

#define YAML_FAILS(label, file, text) do {				\
	snprintf(f[1], sizeof(f[1]), "%s",				\
	    tap_srcpath("tests/data/cluster/yaml/" file));		\
	snprintf(msg, sizeof(msg), "%s%s", f[1], text);			\
	init_fails(label, &in, PKI_ERR_INPUT, msg);			\
} while (0)
	YAML_FAILS("yaml: syntax", "bad-syntax.yml", ":3:1: did not find "
	    "expected ',' or ']' (while parsing a flow sequence)");
	snprintf(f[1], sizeof(f[1]), "%s",
	    tap_srcpath("tests/data/cluster/yaml/other-token.yml"));
	snprintf(msg, sizeof(msg), "%s: initial-cluster-token: differs from "
	    "%s's", f[1], f[0]);
	init_fails("yaml: token differs", &in, PKI_ERR_INPUT, msg);
	YAML_FAILS("yaml: http listen URL", "http-listen.yml",
	    ": listen-client-urls: \"http://127.0.0.1:2379\": http:// is not "
	    "allowed: etcd-pki sets up TLS, use https://");
	YAML_FAILS("yaml: name not in initial-cluster", "not-member.yml",
	    ": name: \"etcd9\" is not in initial-cluster");
	YAML_FAILS("yaml: peer URL mismatch", "peer-mismatch.yml",
	    ": initial-advertise-peer-urls: \"https://10.0.0.2:2390\" is not "
	    "among etcd2's URLs in initial-cluster");
#undef YAML_FAILS
	snprintf(f[1], sizeof(f[1]), "%s", f[0]);
	snprintf(msg, sizeof(msg), "%s: name: \"etcd1\" is also the name in %s",
	    f[0], f[0]);
	init_fails("yaml: two files for one member", &in, PKI_ERR_INPUT, msg);
	snprintf(f[1], sizeof(f[1]), "%s", tap_srcpath("tests/data/cluster/"
	    "yaml/no-such-file.yml"));
	snprintf(msg, sizeof(msg), "%s: No such file or directory", f[1]);
	init_fails("yaml: missing file", &in, PKI_ERR_IO, msg);
	in.initial_cluster = "etcd1=https://10.0.0.1:2380";
	init_fails("yaml and -initial-cluster", &in, PKI_ERR_ARG, "give "
	    "-initial-cluster or etcd.conf.yml files, not both (the files "
	    "have initial-cluster)");
}

static void
test_init_members(void)
{
	struct pki_cluster_init	 in;
	struct pki_cluster	*cl;
	struct pki_error	 err;
	char			*json;
	size_t			 i;

	memset(&in, 0, sizeof(in));
	in.members = 1;
	if ((json = init(&in, &err)) != NULL) {
		cl = reparse(json, "members 1");
		if (cl != NULL) {
			is_int((long long)cl->nmembers, 1, "members 1: one");
			is_str(cl->members[0].name, "m1", "members 1: m1");
			is_str(joined(&cl->members[0].ips), "127.0.0.1",
			    "members 1: 127.0.0.1");
			is_str(cl->name, "fixtures", "members: name fixtures");
			is_int(cl->san_own, 1, "members: san_policy own");
			is_int(cl->fragments, 0, "members: fragments false");
			ok(strcmp(cl->leaves[0].csr->key_algo, "ecdsa") == 0 &&
			    cl->leaves[0].csr->key_size == 256,
			    "members: ecdsa-256");
			is_str(leaf_hosts(cl, 0), "127.0.0.1,localhost,::1",
			    "members 1: hosts (127.0.0.1 once)");
			is_int((long long)cl->nleaves, 2, "members: + admin");
		}
		pki_cluster_free(cl);
	} else
		ok(0, "members 1: %s", err.text);
	free(json);

	in.members = 255;
	if ((json = init(&in, &err)) != NULL) {
		cl = reparse(json, "members 255");
		if (cl != NULL && cl->nmembers == 255) {
			is_str(joined(&cl->members[253].ips), "127.0.0.254",
			    "members 255: m254 127.0.0.254");
			is_str(joined(&cl->members[254].ips), "127.0.1.1",
			    "members 255: m255 127.0.1.1");
			is_str(cl->members[254].name, "m255", "m255");
		} else
			ok(0, "members 255: 255 members");
		pki_cluster_free(cl);
	} else
		ok(0, "members 255: %s", err.text);
	free(json);

	in.members = 10000;
	in.key_algo = "ed25519";
	if ((json = init(&in, &err)) != NULL) {
		cl = reparse(json, "members 10000");
		if (cl != NULL && cl->nmembers == 10000) {
			is_str(cl->members[9999].name, "m10000", "m10000");
			is_str(joined(&cl->members[9999].ips), "127.0.39.94",
			    "m10000: 127.0.39.94");
			is_int((long long)cl->nleaves, 10001,
			    "members 10000: 10001 leaves");
			for (i = 0; i < cl->nleaves; i++)
				if (strcmp(cl->leaves[i].csr->key_algo,
				    "ed25519") != 0)
					break;
			is_int((long long)i, 10001, "every leaf ed25519");
		} else
			ok(0, "members 10000: 10000 members");
		pki_cluster_free(cl);
	} else
		ok(0, "members 10000: %s", err.text);
	free(json);
	in.key_algo = NULL;

	in.members = 10001;
	init_fails("members 10001", &in, PKI_ERR_ARG, "-members: 10001 is out "
	    "of range (1..10000)");
	in.members = -1;
	init_fails("members -1", &in, PKI_ERR_ARG, "-members: -1 is out of "
	    "range (1..10000)");
	in.members = 3;
	in.initial_cluster = "a=https://10.0.0.1:2380";
	init_fails("members + initial-cluster", &in, PKI_ERR_ARG, "-members "
	    "makes synthetic members: it does not go with -initial-cluster, "
	    "-ips, -dns or etcd.conf.yml files");
	/* 0 is "not set": the example. */
	memset(&in, 0, sizeof(in));
	in.members = 0;
	if ((json = init(&in, &err)) != NULL)
		ok(strstr(json, "\"example\"") != NULL, "members 0: example");
	else
		ok(0, "members 0: %s", err.text);
	free(json);
}

static const char etcd_conf[] =
"# etcd member \"b\" of cluster \"t\": written by etcd-pki cluster issue\n"
"name: 'b'\n"
"data-dir: '/var/lib/it''s'\n"
"initial-advertise-peer-urls: 'https://10.0.0.2:2380'\n"
"listen-peer-urls: 'https://10.0.0.2:2380'\n"
"advertise-client-urls: 'https://b.ex:2379,https://10.0.0.2:2379'\n"
"listen-client-urls: 'https://10.0.0.2:2379'\n"
"initial-cluster: 'a=https://10.0.0.1:2380,a=https://[fd00::1]:2380,"
"b=https://10.0.0.2:2380'\n"
"initial-cluster-token: 'tok'\n"
"initial-cluster-state: 'new'\n"
"enable-grpc-gateway: true\n"
"client-transport-security:\n"
"  cert-file: '/etc/it''s/b.pem'\n"
"  key-file: '/etc/it''s/b-key.pem'\n"
"  client-cert-auth: true\n"
"  trusted-ca-file: '/etc/it''s/ca.pem'\n"
"peer-transport-security:\n"
"  cert-file: '/etc/it''s/b.pem'\n"
"  key-file: '/etc/it''s/b-key.pem'\n"
"  client-cert-auth: true\n"
"  trusted-ca-file: '/etc/it''s/ca.pem'\n";

static const char etcdctl_env[] =
"# etcdctl environment of \"ops\" for cluster \"t\": written by etcd-pki "
"cluster issue\n"
"export ETCDCTL_API=3\n"
"export ETCDCTL_ENDPOINTS='https://10.0.0.1:2379,https://b.ex:2379,"
"https://10.0.0.2:2379'\n"
"export ETCDCTL_CACERT='/p/it'\\''s/ca.pem'\n"
"export ETCDCTL_CERT='/p/it'\\''s/ops.pem'\n"
"export ETCDCTL_KEY='/p/it'\\''s/ops-key.pem'\n";

static const char etcd_env[] =
"# etcd member \"b\" of cluster \"t\": written by etcd-pki cluster issue\n"
"# The settings of etcd.conf.yml as etcd's environment (systemd "
"EnvironmentFile=),\n"
"# for etcd started without --config-file: only then does it read the "
"CRL.\n"
"ETCD_NAME='b'\n"
"ETCD_DATA_DIR='/var/lib/it'\\''s'\n"
"ETCD_INITIAL_ADVERTISE_PEER_URLS='https://10.0.0.2:2380'\n"
"ETCD_LISTEN_PEER_URLS='https://10.0.0.2:2380'\n"
"ETCD_ADVERTISE_CLIENT_URLS='https://b.ex:2379,https://10.0.0.2:2379'\n"
"ETCD_LISTEN_CLIENT_URLS='https://10.0.0.2:2379'\n"
"ETCD_INITIAL_CLUSTER='a=https://10.0.0.1:2380,a=https://[fd00::1]:2380,"
"b=https://10.0.0.2:2380'\n"
"ETCD_INITIAL_CLUSTER_TOKEN='tok'\n"
"ETCD_INITIAL_CLUSTER_STATE='new'\n"
"ETCD_ENABLE_GRPC_GATEWAY='true'\n"
"ETCD_CERT_FILE='/etc/it'\\''s/b.pem'\n"
"ETCD_KEY_FILE='/etc/it'\\''s/b-key.pem'\n"
"ETCD_CLIENT_CERT_AUTH='true'\n"
"ETCD_TRUSTED_CA_FILE='/etc/it'\\''s/ca.pem'\n"
"ETCD_CLIENT_CRL_FILE='/etc/it'\\''s/crl.der'\n"
"ETCD_PEER_CERT_FILE='/etc/it'\\''s/b.pem'\n"
"ETCD_PEER_KEY_FILE='/etc/it'\\''s/b-key.pem'\n"
"ETCD_PEER_CLIENT_CERT_AUTH='true'\n"
"ETCD_PEER_TRUSTED_CA_FILE='/etc/it'\\''s/ca.pem'\n"
"ETCD_PEER_CRL_FILE='/etc/it'\\''s/crl.der'\n";

static void
test_texts(void)
{
	struct pki_cluster	*cl = NULL;
	struct pki_error	 err;
	char			*text = NULL;

	is_int(parse("{\"name\": \"t\", \"token\": \"tok\", \"data_dir\": "
	    "\"/var/lib/it's\", \"members\": [{\"name\": \"a\", \"ips\": "
	    "[\"10.0.0.1\", \"fd00::1\"], \"peer_urls\": [\"https://10.0.0.1:"
	    "2380\", \"https://[fd00::1]:2380\"]}, {\"name\": \"b\", \"dns\": "
	    "[\"b.ex\"], \"ips\": [\"10.0.0.2\"], \"client_urls\": "
	    "[\"https://b.ex:2379\", \"https://10.0.0.2:2379\"]}], \"clients\": "
	    "[{\"name\": \"ops\"}]}", 0, &cl, &err), 0, "texts: parse (%s)",
	    err.text);
	if (cl == NULL)
		return;
	is_int(pki_cluster_etcd_conf(cl, 1, "/etc/it's", &text, &err), 0,
	    "etcd.conf.yml: ok");
	is_str(text, etcd_conf, "etcd.conf.yml: text");
	free(text);
	text = NULL;
	is_int(pki_cluster_etcd_env(cl, 1, "/etc/it's", 1, &text, &err), 0,
	    "etcd.env: ok");
	is_str(text, etcd_env, "etcd.env: the same settings, the CRL files");
	free(text);
	text = NULL;
	is_int(pki_cluster_etcd_env(cl, 1, "/etc/it's", 0, &text, &err), 0,
	    "etcd.env without a CRL: ok");
	ok(text != NULL && strstr(text, "CRL_FILE") == NULL &&
	    strstr(text, "ETCD_PEER_TRUSTED_CA_FILE=") != NULL,
	    "etcd.env without a CRL: no CRL file");
	free(text);
	text = (char *)1;
	is_int(pki_cluster_etcd_env(cl, 2, "/p", 1, &text, &err), PKI_ERR_ARG,
	    "etcd.env: a client is no member");
	ok(text == NULL, "etcd.env: *out NULL on error");
	text = NULL;
	is_int(pki_cluster_etcdctl_env(cl, 2, "/p/it's", &text, &err), 0,
	    "etcdctl.env: ok");
	is_str(text, etcdctl_env, "etcdctl.env: text");
	free(text);
	text = (char *)1;
	is_int(pki_cluster_etcd_conf(cl, 2, "/p", &text, &err), PKI_ERR_ARG,
	    "etcd.conf.yml: member out of range");
	ok(text == NULL, "etcd.conf.yml: *out NULL on error");
	is_int(pki_cluster_etcd_conf(cl, 0, "/p\n", &text, &err), PKI_ERR_ARG,
	    "etcd.conf.yml: newline in pki_dir refused");
	is_int(pki_cluster_etcdctl_env(cl, 3, "/p", &text, &err), PKI_ERR_ARG,
	    "etcdctl.env: leaf out of range");
	pki_cluster_free(cl);
	pki_cluster_free(NULL);
	ok(1, "pki_cluster_free(NULL)");
}

/* cluster issue's arguments (pki_cluster_issue_args). */
static void
test_issue_args(void)
{
	struct pki_error	err;

	memset(&err, 0, sizeof(err));
	ok(pki_cluster_issue_args(1, 1, 0, &err) == 0 &&
	    pki_cluster_issue_args(0, 0, 1, &err) == 0,
	    "issue args: -members N [-key-algo]; DESC");
	ok(pki_cluster_issue_args(1, 0, 1, &err) == PKI_ERR_ARG &&
	    strstr(err.text, "not both") != NULL, "issue args: -members and "
	    "a description");
	ok(pki_cluster_issue_args(0, 0, 2, &err) == PKI_ERR_ARG &&
	    strstr(err.text, "got 2 arguments") != NULL, "issue args: two "
	    "descriptions");
	ok(pki_cluster_issue_args(0, 1, 1, &err) == PKI_ERR_ARG &&
	    strstr(err.text, "-key-algo goes with -members") != NULL,
	    "issue args: -key-algo with a description");
}

int
main(void)
{
	test_defaults();
	test_issue_args();
	test_paths();
	test_hosts();
	test_urls();
	test_errors();
	test_unknown_keys();
	test_init_example();
	test_init_initial_cluster();
	test_init_ips();
	test_init_yaml();
	test_init_members();
	test_texts();
	return done_testing();
}
