/*
 * cluster.c: the cluster description (etcd-pki-cluster(5)): parsing with
 * every default applied and every leaf's CSR JSON derived, and the
 * etcd.conf.yml fragment and etcdctl.env texts "cluster issue" writes.
 * The starter descriptions of "cluster init" are clinit.c's.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/obj_mac.h>

#include <jansson.h>

#include "internal.h"
#include "json.h"
#include "cluster.h"

#define CL_PEER_PORT		2380
#define CL_CLIENT_PORT		2379

static const char *const cl_fields[] = {
	"name", "token", "ca", "key", "names", "signing", "san_policy",
	"local_sans", "fragments", "pki_dir", "data_dir", "members", "clients",
	"key_format", "config_dir", "etcdctl_env", "owner", "group", "key_mode",
	NULL
};
enum {
	F_NAME, F_TOKEN, F_CA, F_KEY, F_NAMES, F_SIGNING, F_SAN_POLICY,
	F_LOCAL_SANS, F_FRAGMENTS, F_PKI_DIR, F_DATA_DIR, F_MEMBERS, F_CLIENTS,
	F_KEY_FORMAT, F_CONFIG_DIR, F_ETCDCTL_ENV, F_OWNER, F_GROUP, F_KEY_MODE,
	F__N
};

/* Keys that belong one level down. */
static const struct pki_json_hint cl_hints[] = {
	{ "CN", ", did you mean \"ca.CN\" (the CA) or \"clients[].CN\"?" },
	{ "expiry", ", did you mean \"signing.expiry\" (leaves) or "
	    "\"ca.expiry\"?" },
	{ "hosts", " (member certificates get their members' dns and ips; "
	    "use \"clients[].hosts\" for a client)" },
	{ "profile", ", did you mean \"signing.peer_profile\" or "
	    "\"signing.client_profile\"?" },
	{ "config", ", did you mean \"signing.config\"?" },
	{ "initial_cluster", " (list the members under \"members\"; "
	    "\"etcd-pki cluster init -initial-cluster\" converts it)" },
	{ NULL, NULL }
};

static const char *const ca_fields[] = {
	"CN", "names", "key", "expiry", "cert_file", "key_file", NULL
};
enum { CA_CN, CA_NAMES, CA_KEY, CA_EXPIRY, CA_CERT_FILE, CA_KEY_FILE, CA__N };

static const char *const signing_fields[] = {
	"expiry", "config", "peer_profile", "client_profile", "crl_expiry",
	NULL
};
enum { SG_EXPIRY, SG_CONFIG, SG_PEER, SG_CLIENT, SG_CRL_EXPIRY, SG__N };

static const char *const member_fields[] = {
	"name", "dns", "ips", "peer_urls", "client_urls", "listen_peer_urls",
	"listen_client_urls", "data_dir", "key_format",
	"initial_cluster_state", "owner", "group", "key_mode", NULL
};
enum {
	M_NAME, M_DNS, M_IPS, M_PEER_URLS, M_CLIENT_URLS, M_LISTEN_PEER,
	M_LISTEN_CLIENT, M_DATA_DIR, M_KEY_FORMAT, M_STATE, M_OWNER, M_GROUP,
	M_KEY_MODE, M__N
};
static const struct pki_json_hint member_hints[] = {
	{ "hosts", " (use \"dns\" for names and \"ips\" for addresses)" },
	{ "ip", ", did you mean \"ips\"?" },
	{ "CN", " (a member's CN is its name)" },
	{ NULL, NULL }
};

static const char *const client_fields[] = {
	"name", "CN", "names", "hosts", "key_format", "owner", "group",
	"key_mode", NULL
};
enum {
	C_NAME, C_CN, C_NAMES, C_HOSTS, C_KEY_FORMAT, C_OWNER, C_GROUP,
	C_KEY_MODE, C__N
};

/* The key formats, in PKI_KEY_FMT_* order. */
static const char *const key_formats[] = { "cfssl", "pkcs8", NULL };

/* The names the SAN policy takes. */
static const char *const san_policies[] = { "all-members", "own", NULL };

/* local_sans: added to member certificates. */
static const char *const local_sans[] = { "localhost", "127.0.0.1", "::1" };


static void	sb_printf(struct pki_buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
sb_printf(struct pki_buf *sb, const char *fmt, ...)
{
	va_list	 ap;
	char	 small[256], *big = NULL;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->oom = 1;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		pki_buf_addn(sb, small, (size_t)n);
		return;
	}
	if ((big = malloc((size_t)n + 1)) == NULL) {
		sb->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	pki_buf_addn(sb, big, (size_t)n);
	free(big);
}

/*
 * A single-quoted word: YAML doubles a quote inside (esc "''"), sh closes,
 * escapes and reopens (esc "'\\''").
 */
static void
sb_quote(struct pki_buf *sb, const char *s, const char *esc)
{
	const char	*q;

	pki_buf_addn(sb, "'", 1);
	for (; (q = strchr(s, '\'')) != NULL; s = q + 1) {
		pki_buf_addn(sb, s, (size_t)(q - s));
		pki_buf_add(sb, esc);
	}
	pki_buf_add(sb, s);
	pki_buf_addn(sb, "'", 1);
}

static void
sb_yaml_quote(struct pki_buf *sb, const char *s)
{
	sb_quote(sb, s, "''");
}

static void
sb_sh_quote(struct pki_buf *sb, const char *s)
{
	sb_quote(sb, s, "'\\''");
}

/* ---- small checks ---------------------------------------------------- */

/* Returns 1 if s has a control character (it would break YAML or sh). */
int
pki_cl_has_ctrl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Member and client names: [A-Za-z0-9][A-Za-z0-9._-]*, at most 63. */
int
pki_cl_valid_name(const char *s)
{
	size_t	n = strlen(s);

	if (n == 0 || n > CL_NAME_MAX)
		return 0;
	if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789", s[0]) == NULL)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == n;
}

/* DNS names in dns lists: letters, digits, '.', '-', '_', '*'. */
int
pki_cl_valid_dns(const char *s)
{
	size_t	n = strlen(s);

	if (n == 0 || n > 253 || s[0] == '.')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-_*") == n;
}

/*
 * Parses s as an IP address the way the SAN code does (Go's net.ParseIP).
 * Returns 1 and fills ip/len for an address, 0 for anything else, or a
 * negative error.
 */
int
pki_cl_ip_parse(const char *s, unsigned char ip[16], size_t *len)
{
	unsigned char	*v = NULL;
	size_t		 vlen = 0;
	int		 t;

	*len = 0;
	if ((t = pki_host_classify(s, &v, &vlen, NULL)) < 0)
		return t;
	if (t != PKI_HOST_IP || vlen > 16) {
		free(v);
		return 0;
	}
	memcpy(ip, v, vlen);
	*len = vlen;
	free(v);
	return 1;
}

/* Returns 1 if a and b are the same address written alike or not. */
static int
ip_equal(const char *a, const char *b)
{
	unsigned char	ia[16], ib[16];
	size_t		la, lb;

	if (strcmp(a, b) == 0)
		return 1;
	if (pki_cl_ip_parse(a, ia, &la) != 1 || pki_cl_ip_parse(b, ib, &lb) != 1)
		return 0;
	return la == lb && memcmp(ia, ib, la) == 0;
}

/* "https://HOST:PORT" for an IP address (IPv6 in brackets). */
static void
url_for_ip(char *buf, size_t len, const char *ip, int port)
{
	if (strchr(ip, ':') != NULL)
		snprintf(buf, len, "https://[%s]:%d", ip, port);
	else
		snprintf(buf, len, "https://%s:%d", ip, port);
}

/* Returns 1 if sv holds s (exactly, or ignoring case with icase). */
int
pki_cl_strv_has(const struct pki_strv *sv, const char *s, int icase)
{
	size_t	i;

	for (i = 0; i < sv->n; i++)
		if ((icase ? strcasecmp(sv->v[i], s) : strcmp(sv->v[i], s))
		    == 0)
			return 1;
	return 0;
}

/* Returns 1 if the IP sv holds s, written alike or not. */
int
pki_cl_strv_has_ip(const struct pki_strv *sv, const char *s)
{
	size_t	i;

	for (i = 0; i < sv->n; i++)
		if (ip_equal(sv->v[i], s))
			return 1;
	return 0;
}

/* Joins base and a relative path (paths inside the description). */
static char *
path_join(const char *base, const char *path)
{
	char	*s = NULL;

	if (path[0] == '/' || (strcmp(base, ".") == 0 &&
	    strcmp(path, "-") != 0))
		return strdup(path);
	if (asprintf(&s, "%s%s%s", base, base[strlen(base) - 1] == '/' ?
	    "" : "/", path) < 0)
		return NULL;
	return s;
}

/* The directory of source ("." without one). */
static char *
dir_of(const char *source)
{
	const char	*slash;

	if ((slash = strrchr(source, '/')) == NULL || source[0] == '<')
		return strdup(".");
	if (slash == source)
		return strdup("/");
	return strndup(source, (size_t)(slash - source));
}

/* ---- freeing --------------------------------------------------------- */

static void
member_clear(struct pki_cluster_member *m)
{
	free(m->name);
	pki_strv_clear(&m->dns);
	pki_strv_clear(&m->ips);
	pki_strv_clear(&m->peer_urls);
	pki_strv_clear(&m->client_urls);
	pki_strv_clear(&m->listen_peer_urls);
	pki_strv_clear(&m->listen_client_urls);
	free(m->peer_url_parts);
	free(m->client_url_parts);
	free(m->data_dir);
	memset(m, 0, sizeof(*m));
}

size_t
pki_cluster_nleaves(const struct pki_cluster *cl)
{
	return cl->nleaves;
}

void
pki_cluster_leaf(const struct pki_cluster *cl, size_t i,
    struct pki_cluster_leaf_info *out)
{
	const struct pki_cluster_leaf	*lf = &cl->leaves[i];

	out->name = lf->name;
	out->dir = lf->dir;
	out->member = lf->member >= 0;
	out->csr = lf->csr;
	out->profile = lf->profile;
	out->key_format = lf->key_format;
	out->owner = &lf->owner;
	out->client_urls = NULL;
	out->nclient_urls = 0;
	out->peer_urls = NULL;
	out->npeer_urls = 0;
	out->client_url_parts = NULL;
	out->peer_url_parts = NULL;
	if (lf->member >= 0) {
		const struct pki_cluster_member	*m =
		    &cl->members[lf->member];

		out->client_urls = (const char *const *)m->client_urls.v;
		out->nclient_urls = m->client_urls.n;
		out->peer_urls = (const char *const *)m->peer_urls.v;
		out->npeer_urls = m->peer_urls.n;
		out->client_url_parts = m->client_url_parts;
		out->peer_url_parts = m->peer_url_parts;
	}
}

const char *
pki_cluster_ca_key_file(const struct pki_cluster *cl)
{
	return cl->ca_key_file;
}

const char *
pki_cluster_ca_cert_file(const struct pki_cluster *cl)
{
	return cl->ca_cert_file;
}

int64_t
pki_cluster_crl_expiry(const struct pki_cluster *cl)
{
	return cl->crl_expiry;
}

void
pki_cluster_free(struct pki_cluster *cl)
{
	size_t	i;

	if (cl == NULL)
		return;
	free(cl->source);
	free(cl->basedir);
	free(cl->name);
	free(cl->token);
	free(cl->ca_csr_json);
	pki_csr_free(cl->ca_csr);
	free(cl->ca_cert_file);
	free(cl->ca_key_file);
	pki_config_free(cl->config);
	free(cl->peer_profile);
	free(cl->client_profile);
	free(cl->pki_dir);
	free(cl->config_dir);
	free(cl->etcdctl_env);
	free(cl->data_dir);
	for (i = 0; i < cl->nmembers; i++)
		member_clear(&cl->members[i]);
	free(cl->members);
	for (i = 0; i < cl->nleaves; i++) {
		free(cl->leaves[i].name);
		free(cl->leaves[i].dir);
		free(cl->leaves[i].csr_json);
		pki_csr_free(cl->leaves[i].csr);
	}
	free(cl->leaves);
	free(cl);
}

/* ---- parsing ---------------------------------------------------------- */

/* One IP address of a member, for the duplicate check. */
struct cl_ip {
	unsigned char	ip[16];
	size_t		len;
	size_t		member;
	size_t		index;
};

struct cl_parse {
	struct pki_json_ctx	 ctx;
	struct pki_cluster	*cl;
	json_t			*names;		/* top-level, borrowed */
	json_t			*key;		/* canonical, owned */
	struct cl_ip		*ips;
	size_t			 nips;
};

/* The warning sink of check_part: adds the prefix to the path. */
struct part_warn {
	const struct pki_json_ctx	*ctx;
	const char			*prefix;
};

/* Rewrites "source: path: x" as "source: prefix.path: x". */
static void
part_rewrite(char *buf, size_t len, const char *source, const char *prefix,
    const char *text)
{
	size_t	sl = strlen(source);

	if (*prefix == '\0' || strncmp(text, source, sl) != 0 ||
	    strncmp(text + sl, ": ", 2) != 0) {
		snprintf(buf, len, "%s", text);
		return;
	}
	snprintf(buf, len, "%s: %s.%s", source, prefix, text + sl + 2);
}

static void
part_warn_cb(void *arg, const char *text)
{
	const struct part_warn	*pw = arg;
	char			 buf[sizeof(((struct pki_error *)0)->text)];

	if (pw->ctx->opts == NULL || pw->ctx->opts->warn == NULL)
		return;
	part_rewrite(buf, sizeof(buf), pw->ctx->source, pw->prefix, text);
	pw->ctx->opts->warn(pw->ctx->opts->warn_arg, buf);
}

/*
 * Checks obj (borrowed), a part of a CSR JSON ({"CN", "key", "names",
 * "hosts"}), with the CSR parser, so that every rule of etcd-pki-csr(5)
 * applies; messages name the path under prefix ("ca.names[0].C").  *out
 * receives the parsed CSR when out is not NULL.
 */
static int
check_part(struct cl_parse *p, const char *prefix, json_t *obj,
    struct pki_csr **out)
{
	struct pki_parse_opts	 po;
	struct part_warn	 pw;
	struct pki_error	 e;
	struct pki_csr		*csr = NULL;
	char			*text = NULL;
	char			 buf[sizeof(e.text)];
	int			 r = PKI_ERR_INTERNAL;

	if (out != NULL)
		*out = NULL;
	if ((text = json_dumps(obj, JSON_COMPACT)) == NULL)
		return pki_json_err(&p->ctx, PKI_ERR_ALLOC, prefix,
		    "out of memory");
	memset(&e, 0, sizeof(e));
	memset(&po, 0, sizeof(po));
	pw.ctx = &p->ctx;
	pw.prefix = prefix;
	po.strict = p->ctx.opts != NULL && p->ctx.opts->strict;
	po.warn = part_warn_cb;
	po.warn_arg = &pw;
	if ((r = pki_csr_parse(text, strlen(text), p->ctx.source, 0, &po,
	    &csr, &e)) != 0) {
		part_rewrite(buf, sizeof(buf), p->ctx.source, prefix, e.text);
		pki_err_source(p->ctx.err, p->ctx.source);
		r = pki_err(p->ctx.err, r, "%s", buf);
		goto out;
	}
	if (out != NULL) {
		*out = csr;
		csr = NULL;
	}
	r = PKI_OK;
 out:
	free(text);
	pki_csr_free(csr);
	return r;
}

/* The canonical "key" object of a parsed CSR (new reference). */
static json_t *
key_json(const struct pki_csr *csr)
{
	if (strcmp(csr->key_algo, "ed25519") == 0)
		return json_pack("{s:s}", "algo", csr->key_algo);
	return json_pack("{s:s,s:i}", "algo", csr->key_algo, "size",
	    csr->key_size);
}

/* Sets key (a new reference is taken) in obj; 0 or -1. */
int
pki_cl_obj_set(json_t *obj, const char *key, json_t *v)
{
	return v == NULL ? -1 : json_object_set(obj, key, v);
}

/* Sets key in obj, stealing v; 0 or -1. */
int
pki_cl_obj_set_new(json_t *obj, const char *key, json_t *v)
{
	return v == NULL ? -1 : json_object_set_new(obj, key, v);
}

/* Appends v (stolen) to arr; 0 or -1. */
static int
arr_add_new(json_t *arr, json_t *v)
{
	return v == NULL ? -1 : json_array_append_new(arr, v);
}

/* A JSON text, 4-space indented, ending in a newline; NULL if no memory. */
char *
pki_cl_dump_pretty(const json_t *v)
{
	char	*s, *t;
	size_t	 n;

	if ((s = json_dumps(v, JSON_INDENT(4))) == NULL)
		return NULL;
	n = strlen(s);
	if ((t = realloc(s, n + 2)) == NULL) {
		free(s);
		return NULL;
	}
	t[n] = '\n';
	t[n + 1] = '\0';
	return t;
}

/* A required-looking free-text value: non-empty, no control characters. */
/* A key_format value at path into *fmt; absent or null keeps *fmt. */
static int
parse_key_format(struct cl_parse *p, const char *path, const json_t *v,
    int *fmt)
{
	char	*s = NULL;
	int	 i, r;

	if ((r = pki_json_string(&p->ctx, path, v, &s)) != 0 || s == NULL)
		return r;
	for (i = 0; key_formats[i] != NULL; i++)
		if (strcmp(s, key_formats[i]) == 0)
			break;
	if (key_formats[i] == NULL)
		r = pki_json_err(&p->ctx, PKI_ERR_INPUT, path, "unknown key "
		    "format \"%s\" (cfssl, pkcs8)", s);
	else
		*fmt = i;
	free(s);
	return r;
}

/*
 * The owner, group and key_mode under base (v: their values, each may be
 * NULL) into o; what they leave unset comes from dflt (may be NULL).
 */
static int
parse_owner(struct cl_parse *p, const char *base, json_t *const v[3],
    struct pki_owner *o, const struct pki_owner *dflt)
{
	static const char *const keys[3] = { "owner", "group", "key_mode" };
	struct pki_error	 e;
	char			 path[PKI_JSON_PATH_MAX], *s = NULL;
	int			 i, r = PKI_OK;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < 3 && r == PKI_OK; i++) {
		pki_json_path_key(path, sizeof(path), base, keys[i]);
		if ((r = pki_json_string(&p->ctx, path, v[i], &s)) != 0 ||
		    s == NULL)
			continue;
		memset(&e, 0, sizeof(e));
		if (i == 0 && strchr(s, ':') != NULL)
			r = pki_json_err(&p->ctx, PKI_ERR_INPUT, path, "\"%s\": "
			    "a user name or number (the group goes in \"group\")",
			    s);
		else if ((i == 0 ? pki_owner_parse(o, s, &e) : i == 1 ?
		    pki_owner_group_parse(o, s, &e) :
		    pki_owner_mode_parse(o, s, &e)) != PKI_OK)
			r = pki_json_err(&p->ctx, PKI_ERR_INPUT, path, "%s",
			    e.text);
		free(s);
		s = NULL;
	}
	/* A user named here brings its login group unless group says. */
	pki_owner_merge(o, dflt);
	return r;
}

static int
check_text(struct cl_parse *p, const char *path, const char *s)
{
	if (*s == '\0')
		return pki_json_err(&p->ctx, PKI_ERR_INPUT, path,
		    "must not be empty");
	if (pki_cl_has_ctrl(s))
		return pki_json_err(&p->ctx, PKI_ERR_INPUT, path,
		    "must not contain control characters");
	return PKI_OK;
}

/* A string field that must be free text when present. */
static int
get_text(struct cl_parse *p, const char *path, const json_t *v, char **out)
{
	int	r;

	if (v == NULL)
		return PKI_OK;
	if ((r = pki_json_string(&p->ctx, path, v, out)) != 0)
		return r;
	return check_text(p, path, *out);
}

/* A duration string, which must be positive. */
static int
check_expiry(struct cl_parse *p, const char *path, const json_t *v)
{
	int64_t	ns = 0;
	int	r;

	if (v == NULL)
		return PKI_OK;
	if ((r = pki_json_duration(&p->ctx, path, v, &ns, NULL)) != 0)
		return r;
	if (ns <= 0)
		return pki_json_err(&p->ctx, PKI_ERR_INPUT, path,
		    "must be positive (got \"%s\")", json_string_value(v));
	return PKI_OK;
}

/* Top-level key and names: checked once, kept for every leaf. */
static int
parse_key_names(struct cl_parse *p, json_t *key, json_t *names)
{
	struct pki_csr	*csr = NULL;
	json_t		*part = NULL;
	int		 r = PKI_ERR_INTERNAL;

	if ((part = json_object()) == NULL ||
	    (key != NULL && pki_cl_obj_set(part, "key", key) != 0) ||
	    (names != NULL && pki_cl_obj_set(part, "names", names) != 0)) {
		r = pki_json_err(&p->ctx, PKI_ERR_ALLOC, "", "out of memory");
		goto out;
	}
	if ((r = check_part(p, "", part, &csr)) != 0)
		goto out;
	if ((p->key = key_json(csr)) == NULL) {
		r = pki_json_err(&p->ctx, PKI_ERR_ALLOC, "", "out of memory");
		goto out;
	}
	if (names != NULL && json_array_size(names) > 0)
		p->names = names;
	r = PKI_OK;
 out:
	json_decref(part);
	pki_csr_free(csr);
	return r;
}

/* Warns (or, strict, fails) about a key the CA's files make useless. */
static int
ca_ignored(struct cl_parse *p, const char *key)
{
	char	path[PKI_JSON_PATH_MAX];

	pki_json_path_key(path, sizeof(path), "ca", key);
	if (p->ctx.opts != NULL && p->ctx.opts->strict)
		return pki_json_err(&p->ctx, PKI_ERR_INPUT, path,
		    "not used with cert_file and key_file");
	pki_json_warn(&p->ctx, path, "ignored: the CA comes from cert_file "
	    "and key_file");
	return PKI_OK;
}

static int
parse_ca(struct cl_parse *p, json_t *obj)
{
	struct pki_cluster	*cl = p->cl;
	struct pki_csr		*csr = NULL;
	json_t			*vals[CA__N], *part = NULL, *v = NULL;
	json_t			*cnv = NULL;
	char			*cn = NULL, *cert = NULL, *key = NULL;
	char			*text = NULL;
	const char		*expiry = CL_CA_EXPIRY;
	int			 r = PKI_ERR_INTERNAL, i;

	memset(vals, 0, sizeof(vals));
	if (obj != NULL && (r = pki_json_fields(&p->ctx, "ca", obj, ca_fields,
	    vals)) != 0)
		goto out;
	if ((r = pki_json_string(&p->ctx, "ca.cert_file", vals[CA_CERT_FILE],
	    &cert)) != 0 ||
	    (r = pki_json_string(&p->ctx, "ca.key_file", vals[CA_KEY_FILE],
	    &key)) != 0)
		goto out;
	if ((cert == NULL) != (key == NULL)) {
		r = pki_json_err(&p->ctx, PKI_ERR_INPUT, cert == NULL ?
		    "ca.cert_file" : "ca.key_file", "missing: cert_file and "
		    "key_file name an existing CA together");
		goto out;
	}
	if (cert != NULL) {
		if ((r = check_text(p, "ca.cert_file", cert)) != 0 ||
		    (r = check_text(p, "ca.key_file", key)) != 0)
			goto out;
		for (i = CA_CN; i <= CA_EXPIRY; i++)
			if (vals[i] != NULL &&
			    (r = ca_ignored(p, ca_fields[i])) != 0)
				goto out;
		if ((cl->ca_cert_file = path_join(cl->basedir, cert)) == NULL ||
		    (cl->ca_key_file = path_join(cl->basedir, key)) == NULL) {
			r = pki_json_err(&p->ctx, PKI_ERR_ALLOC, "ca",
			    "out of memory");
			goto out;
		}
		r = PKI_OK;
		goto out;
	}
	if ((r = check_expiry(p, "ca.expiry", vals[CA_EXPIRY])) != 0)
		goto out;
	if (vals[CA_EXPIRY] != NULL)
		expiry = json_string_value(vals[CA_EXPIRY]);
	if (asprintf(&cn, "%s CA", cl->name) < 0) {
		cn = NULL;
		r = pki_json_err(&p->ctx, PKI_ERR_ALLOC, "ca", "out of memory");
		goto out;
	}
	/* Checked through the CSR parser, with the cluster's defaults. */
	if ((cnv = json_string(cn)) == NULL ||
	    (part = json_object()) == NULL ||
	    pki_cl_obj_set(part, "CN", vals[CA_CN] != NULL ? vals[CA_CN] : cnv) != 0 ||
	    pki_cl_obj_set(part, "key", vals[CA_KEY] != NULL ? vals[CA_KEY] :
	    p->key) != 0 ||
	    ((v = vals[CA_NAMES] != NULL ? vals[CA_NAMES] : p->names) != NULL &&
	    pki_cl_obj_set(part, "names", v) != 0)) {
		r = pki_json_err(&p->ctx, PKI_ERR_ALLOC, "ca", "out of memory");
		goto out;
	}
	if ((r = check_part(p, "ca", part, &csr)) != 0)
		goto out;
	/* The canonical CSR: CN, key, names (when any), ca.expiry. */
	if (pki_cl_obj_set_new(part, "key", key_json(csr)) != 0 ||
	    (json_is_array(v) && json_array_size(v) == 0 &&
	    json_object_del(part, "names") != 0) ||
	    pki_cl_obj_set_new(part, "ca", json_pack("{s:s}", "expiry",
	    expiry)) != 0 ||
	    (text = pki_cl_dump_pretty(part)) == NULL) {
		r = pki_json_err(&p->ctx, PKI_ERR_ALLOC, "ca", "out of memory");
		goto out;
	}
	pki_csr_free(csr);
	csr = NULL;
	if ((r = pki_csr_parse(text, strlen(text), p->ctx.source, 0, NULL,
	    &csr, p->ctx.err)) != 0)
		goto out;
	cl->ca_csr_json = text;
	text = NULL;
	cl->ca_csr = csr;
	csr = NULL;
	r = PKI_OK;
 out:
	json_decref(part);
	json_decref(cnv);
	pki_csr_free(csr);
	free(text);
	free(cn);
	free(cert);
	free(key);
	return r;
}

/* A profile the leaves of one kind are signed with. */
static int
check_profile(struct cl_parse *p, const char *path, const char *name,
    int peer, const struct pki_profile **out)
{
	const struct pki_profile	*prof = NULL;
	struct pki_error		 e;
	size_t				 i;
	int				 r, server = 0, client = 0;

	memset(&e, 0, sizeof(e));
	if ((r = pki_config_profile(p->cl->config, name, &prof, &e)) != 0)
		return pki_json_err(&p->ctx, r, path, "%s", e.text);
	if (pki_profile_is_remote(prof))
		return pki_json_err(&p->ctx, PKI_ERR_CONFIG, path,
		    "profile \"%s\" signs through a remote server; cluster "
		    "issue signs locally", name);
	if (prof->is_ca)
		return pki_json_err(&p->ctx, PKI_ERR_CONFIG, path,
		    "profile \"%s\" makes CA certificates", name);
	for (i = 0; i < prof->neku; i++) {
		if (prof->eku[i] == NID_server_auth)
			server = 1;
		if (prof->eku[i] == NID_client_auth)
			client = 1;
	}
	if (peer && (!server || !client))
		return pki_json_err(&p->ctx, PKI_ERR_CONFIG, path,
		    "profile \"%s\" needs the usages \"server auth\" and "
		    "\"client auth\" (etcd peers are both)", name);
	if (!client)
		return pki_json_err(&p->ctx, PKI_ERR_CONFIG, path,
		    "profile \"%s\" needs the usage \"client auth\"", name);
	*out = prof;
	return PKI_OK;
}

static int
parse_signing(struct cl_parse *p, json_t *obj)
{
	struct pki_cluster	*cl = p->cl;
	struct pki_error	 e;
	json_t			*vals[SG__N], *cfg = NULL;
	const char		*expiry = CL_LEAF_EXPIRY;
	char			*config = NULL, *path = NULL, *buf = NULL;
	size_t			 len = 0;
	int			 r = PKI_ERR_INTERNAL;

	memset(vals, 0, sizeof(vals));
	memset(&e, 0, sizeof(e));
	if (obj != NULL && (r = pki_json_fields(&p->ctx, "signing", obj,
	    signing_fields, vals)) != 0)
		goto out;
	if ((cl->peer_profile = strdup("peer")) == NULL ||
	    (cl->client_profile = strdup("client")) == NULL) {
		r = pki_json_err(&p->ctx, PKI_ERR_ALLOC, "signing",
		    "out of memory");
		goto out;
	}
	cl->crl_expiry = CL_CRL_EXPIRY;
	if ((r = check_expiry(p, "signing.expiry", vals[SG_EXPIRY])) != 0 ||
	    (r = check_expiry(p, "signing.crl_expiry",
	    vals[SG_CRL_EXPIRY])) != 0 ||
	    (vals[SG_CRL_EXPIRY] != NULL && (r = pki_json_duration(&p->ctx,
	    "signing.crl_expiry", vals[SG_CRL_EXPIRY], &cl->crl_expiry,
	    NULL)) != 0) ||
	    (r = get_text(p, "signing.config", vals[SG_CONFIG],
	    &config)) != 0 ||
	    (r = pki_json_string(&p->ctx, "signing.peer_profile",
	    vals[SG_PEER], &cl->peer_profile)) != 0 ||
	    (r = pki_json_string(&p->ctx, "signing.client_profile",
	    vals[SG_CLIENT], &cl->client_profile)) != 0)
		goto out;
	if (vals[SG_EXPIRY] != NULL)
		expiry = json_string_value(vals[SG_EXPIRY]);
	if (config != NULL) {
		if (vals[SG_EXPIRY] != NULL) {
			if (p->ctx.opts != NULL && p->ctx.opts->strict) {
				r = pki_json_err(&p->ctx, PKI_ERR_INPUT,
				    "signing.expiry", "not used with "
				    "signing.config (its profiles have "
				    "expiries)");
				goto out;
			}
			pki_json_warn(&p->ctx, "signing.expiry", "ignored: "
			    "signing.config's profiles have their own");
		}
		if ((path = path_join(cl->basedir, config)) == NULL) {
			r = pki_json_err(&p->ctx, PKI_ERR_ALLOC, "signing",
			    "out of memory");
			goto out;
		}
		if ((r = pki_input_read(path, 0, PKI_MAX_INPUT, &buf, &len,
		    &e)) != 0) {
			r = pki_json_err(&p->ctx, r, "signing.config", "%s",
			    e.text);
			goto out;
		}
		if ((r = pki_config_parse(buf, len, path, p->ctx.opts,
		    &cl->config, p->ctx.err)) != 0)
			goto out;
	} else {
		/* default + peer + client, all with the expiry. */
		cfg = json_pack("{s:{s:{s:s,s:[ssss]},s:{s:{s:s,s:[ssss]},"
		    "s:{s:s,s:[sss]}}}}", "signing",
		    "default", "expiry", expiry, "usages", "signing",
		    "key encipherment", "server auth", "client auth",
		    "profiles",
		    "peer", "expiry", expiry, "usages", "signing",
		    "key encipherment", "server auth", "client auth",
		    "client", "expiry", expiry, "usages", "signing",
		    "key encipherment", "client auth");
		if (cfg == NULL || (buf = json_dumps(cfg, JSON_COMPACT)) ==
		    NULL) {
			r = pki_json_err(&p->ctx, PKI_ERR_ALLOC, "signing",
			    "out of memory");
			goto out;
		}
		if ((r = pki_config_parse(buf, strlen(buf),
		    "<built-in signing configuration>", NULL, &cl->config,
		    &e)) != 0) {
			r = pki_json_err(&p->ctx, r, "signing", "%s", e.text);
			goto out;
		}
	}
	r = PKI_OK;
 out:
	json_decref(cfg);
	free(config);
	free(path);
	free(buf);
	return r;
}

/* Checks one URL of a member; listen URLs need an IP (or localhost). */
static int
check_url(struct cl_parse *p, const char *path, const char *url,
    const struct pki_cluster_member *m, int listen)
{
	struct pki_error	 e;
	struct pki_url		 u;
	const char		*host = u.host;
	unsigned char		 ip[16];
	size_t			 iplen;
	int			 isip;

	memset(&e, 0, sizeof(e));
	if (pki_url_parse(url, 0, &u, &e) != PKI_OK)
		return pki_json_err(&p->ctx, PKI_ERR_INPUT, path, "\"%s\": %s",
		    url, e.text);
	if ((isip = pki_cl_ip_parse(host, ip, &iplen)) < 0)
		return pki_json_err(&p->ctx, isip, path, "out of memory");
	if (listen) {
		if (!isip && strcasecmp(host, "localhost") != 0)
			return pki_json_err(&p->ctx, PKI_ERR_INPUT, path,
			    "\"%s\": etcd listens on IP addresses, not on "
			    "host names", url);
		return PKI_OK;
	}
	if (isip ? pki_cl_strv_has_ip(&m->ips, host) : pki_cl_strv_has(&m->dns, host, 1))
		return PKI_OK;
	return pki_json_err(&p->ctx, PKI_ERR_INPUT, path, "host \"%s\" of "
	    "\"%s\" is not one of member \"%s\"'s %s", host, url, m->name,
	    isip ? "ips" : "dns names");
}

/* The default listen URLs: the advertised ones on the first IP. */
static int
listen_default(const struct pki_cluster_member *m,
    const struct pki_strv *adv, struct pki_strv *out)
{
	struct pki_url	 u;
	char		 url[300];
	unsigned char	 ip[16];
	size_t		 i, iplen;

	for (i = 0; i < adv->n; i++) {
		if (pki_url_parse(adv->v[i], 0, &u, NULL) != PKI_OK)
			return PKI_ERR_INTERNAL;
		if (pki_cl_ip_parse(u.host, ip, &iplen) == 1) {
			if (pki_cl_strv_has(out, adv->v[i], 0))
				continue;
			if (pki_strv_push(out, adv->v[i]) != 0)
				return PKI_ERR_ALLOC;
			continue;
		}
		url_for_ip(url, sizeof(url), m->ips.v[0], u.port_num);
		if (!pki_cl_strv_has(out, url, 0) && pki_strv_push(out, url) != 0)
			return PKI_ERR_ALLOC;
	}
	return PKI_OK;
}

/* The parts of checked URLs (*out is malloc'ed, sv->n of them). */
static int
urls_parts(const struct pki_strv *sv, struct pki_url **out)
{
	size_t	i;

	if ((*out = calloc(sv->n > 0 ? sv->n : 1, sizeof(**out))) == NULL)
		return PKI_ERR_ALLOC;
	for (i = 0; i < sv->n; i++)
		if (pki_url_parse(sv->v[i], 0, &(*out)[i], NULL) != PKI_OK)
			return PKI_ERR_INTERNAL;
	return PKI_OK;
}

/* A list of URLs of a member (a JSON array of strings). */
static int
parse_urls(struct cl_parse *p, const char *mpath, const char *key,
    const json_t *v, const struct pki_cluster_member *m, int listen,
    struct pki_strv *out)
{
	char	path[PKI_JSON_PATH_MAX], ipath[PKI_JSON_PATH_MAX];
	size_t	i;
	int	r;

	pki_json_path_key(path, sizeof(path), mpath, key);
	if ((r = pki_json_strv(&p->ctx, path, v, out)) != 0)
		return r;
	if (v != NULL && out->n == 0)
		return pki_json_err(&p->ctx, PKI_ERR_INPUT, path,
		    "must not be empty (leave it out for the default)");
	for (i = 0; i < out->n; i++) {
		pki_json_path_index(ipath, sizeof(ipath), path, i);
		if ((r = check_url(p, ipath, out->v[i], m, listen)) != 0)
			return r;
	}
	return PKI_OK;
}

static int
parse_member(struct cl_parse *p, size_t idx, const json_t *obj,
    struct pki_cluster_member *m)
{
	json_t		*vals[M__N];
	char		 mpath[PKI_JSON_PATH_MAX], path[PKI_JSON_PATH_MAX];
	char		 ipath[PKI_JSON_PATH_MAX], url[300];
	struct cl_ip	*nips;
	size_t		 i, j;
	int		 r;

	pki_json_path_index(mpath, sizeof(mpath), "members", idx);
	if ((r = pki_json_fields_hint(&p->ctx, mpath, obj, member_fields,
	    member_hints, vals)) != 0)
		return r;

	pki_json_path_key(path, sizeof(path), mpath, "name");
	if (vals[M_NAME] == NULL)
		return pki_json_err(&p->ctx, PKI_ERR_INPUT, path,
		    "missing: every member needs a name");
	if ((r = pki_json_string(&p->ctx, path, vals[M_NAME], &m->name)) != 0)
		return r;
	if (!pki_cl_valid_name(m->name))
		return pki_json_err(&p->ctx, PKI_ERR_INPUT, path,
		    "\"%s\" is not a valid member name ([A-Za-z0-9]"
		    "[A-Za-z0-9._-]*, at most %d characters)", m->name,
		    CL_NAME_MAX);
	if (strcmp(m->name, "clients") == 0)
		return pki_json_err(&p->ctx, PKI_ERR_INPUT, path,
		    "\"clients\" is reserved for the client certificates' "
		    "directory");

	pki_json_path_key(path, sizeof(path), mpath, "dns");
	if ((r = pki_json_strv(&p->ctx, path, vals[M_DNS], &m->dns)) != 0)
		return r;
	for (i = 0; i < m->dns.n; i++) {
		unsigned char	ip[16];
		size_t		iplen;

		pki_json_path_index(ipath, sizeof(ipath), path, i);
		if ((r = pki_cl_ip_parse(m->dns.v[i], ip, &iplen)) < 0)
			return pki_json_err(&p->ctx, r, ipath,
			    "out of memory");
		if (r == 1)
			return pki_json_err(&p->ctx, PKI_ERR_INPUT, ipath,
			    "\"%s\" is an IP address: list it under ips",
			    m->dns.v[i]);
		if (!pki_cl_valid_dns(m->dns.v[i]))
			return pki_json_err(&p->ctx, PKI_ERR_INPUT, ipath,
			    "\"%s\" is not a DNS name", m->dns.v[i]);
		for (j = 0; j < i; j++)
			if (strcasecmp(m->dns.v[j], m->dns.v[i]) == 0)
				return pki_json_err(&p->ctx, PKI_ERR_INPUT,
				    ipath, "duplicate DNS name \"%s\" (also "
				    "%s.dns[%zu])", m->dns.v[i], mpath, j);
	}

	pki_json_path_key(path, sizeof(path), mpath, "ips");
	if ((r = pki_json_strv(&p->ctx, path, vals[M_IPS], &m->ips)) != 0)
		return r;
	if (m->ips.n == 0)
		return pki_json_err(&p->ctx, PKI_ERR_INPUT, path,
		    "member \"%s\" needs at least one IP address", m->name);
	if ((nips = reallocarray(p->ips, p->nips + m->ips.n,
	    sizeof(*nips))) == NULL)
		return pki_json_err(&p->ctx, PKI_ERR_ALLOC, path,
		    "out of memory");
	p->ips = nips;
	for (i = 0; i < m->ips.n; i++) {
		struct cl_ip	*e = &p->ips[p->nips];

		pki_json_path_index(ipath, sizeof(ipath), path, i);
		if ((r = pki_cl_ip_parse(m->ips.v[i], e->ip, &e->len)) < 0)
			return pki_json_err(&p->ctx, r, ipath,
			    "out of memory");
		if (r == 0)
			return pki_json_err(&p->ctx, PKI_ERR_INPUT, ipath,
			    "\"%s\" is not an IP address%s", m->ips.v[i],
			    pki_cl_valid_dns(m->ips.v[i]) ? ": list names under dns" :
			    "");
		e->member = idx;
		e->index = i;
		p->nips++;
	}

	if ((r = parse_urls(p, mpath, "peer_urls", vals[M_PEER_URLS], m, 0,
	    &m->peer_urls)) != 0 ||
	    (r = parse_urls(p, mpath, "client_urls", vals[M_CLIENT_URLS], m, 0,
	    &m->client_urls)) != 0 ||
	    (r = parse_urls(p, mpath, "listen_peer_urls", vals[M_LISTEN_PEER],
	    m, 1, &m->listen_peer_urls)) != 0 ||
	    (r = parse_urls(p, mpath, "listen_client_urls",
	    vals[M_LISTEN_CLIENT], m, 1, &m->listen_client_urls)) != 0)
		return r;
	if (m->peer_urls.n == 0) {
		url_for_ip(url, sizeof(url), m->ips.v[0], CL_PEER_PORT);
		if (pki_strv_push(&m->peer_urls, url) != 0)
			goto nomem;
	}
	if (m->client_urls.n == 0) {
		url_for_ip(url, sizeof(url), m->ips.v[0], CL_CLIENT_PORT);
		if (pki_strv_push(&m->client_urls, url) != 0)
			goto nomem;
	}
	if (m->listen_peer_urls.n == 0 &&
	    (r = listen_default(m, &m->peer_urls, &m->listen_peer_urls)) != 0)
		goto nomem;
	if (m->listen_client_urls.n == 0 && (r = listen_default(m,
	    &m->client_urls, &m->listen_client_urls)) != 0)
		goto nomem;
	if ((r = urls_parts(&m->peer_urls, &m->peer_url_parts)) != 0 ||
	    (r = urls_parts(&m->client_urls, &m->client_url_parts)) != 0)
		return pki_json_err(&p->ctx, r, mpath, "out of memory");

	pki_json_path_key(path, sizeof(path), mpath, "data_dir");
	if ((r = get_text(p, path, vals[M_DATA_DIR], &m->data_dir)) != 0)
		return r;
	m->key_format = p->cl->key_format;
	pki_json_path_key(path, sizeof(path), mpath, "key_format");
	if ((r = parse_key_format(p, path, vals[M_KEY_FORMAT],
	    &m->key_format)) != 0 ||
	    (r = parse_owner(p, mpath, &vals[M_OWNER], &m->owner,
	    &p->cl->owner)) != 0)
		return r;
	if (m->data_dir == NULL && p->cl->data_dir != NULL &&
	    (m->data_dir = strdup(p->cl->data_dir)) == NULL)
		goto nomem;
	/* "existing": a member added to a running cluster (member add). */
	pki_json_path_key(path, sizeof(path), mpath, "initial_cluster_state");
	if (vals[M_STATE] != NULL) {
		if (!json_is_string(vals[M_STATE]) ||
		    (strcmp(json_string_value(vals[M_STATE]), "new") != 0 &&
		    strcmp(json_string_value(vals[M_STATE]), "existing") != 0))
			return pki_json_err(&p->ctx, PKI_ERR_INPUT, path,
			    "expected \"new\" or \"existing\"");
		m->existing = strcmp(json_string_value(vals[M_STATE]),
		    "existing") == 0;
	}
	return PKI_OK;
 nomem:
	return pki_json_err(&p->ctx, PKI_ERR_ALLOC, mpath, "out of memory");
}

static int
ip_cmp(const void *a, const void *b)
{
	const struct cl_ip	*x = a, *y = b;
	int			 c;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	if ((c = memcmp(x->ip, y->ip, x->len)) != 0)
		return c;
	if (x->member != y->member)
		return x->member < y->member ? -1 : 1;
	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return 0;
}

/* An index into members, sorted by name ignoring case. */
struct cl_nameref {
	const char	*name;
	size_t		 index;
};

static int
nameref_cmp(const void *a, const void *b)
{
	const struct cl_nameref	*x = a, *y = b;
	int			 c;

	if ((c = strcasecmp(x->name, y->name)) != 0)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* "later" is a repeat of "first": the earliest such pair in file order. */
static int
before(size_t m1, size_t i1, size_t m2, size_t i2)
{
	return m1 < m2 || (m1 == m2 && i1 < i2);
}

/* One advertised URL of a member, for the duplicate check. */
struct cl_urlref {
	const char	*url;
	size_t		 member;
	int		 client;
	size_t		 index;
};

static int
urlref_cmp(const void *a, const void *b)
{
	const struct cl_urlref	*x = a, *y = b;
	int			 c;

	if ((c = strcasecmp(x->url, y->url)) != 0)
		return c;
	if (x->member != y->member)
		return x->member < y->member ? -1 : 1;
	if (x->client != y->client)
		return x->client < y->client ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * Two members may not advertise the same peer or client URL: members on
 * one host (the same IP) need distinct ports.
 */
static int
check_urls(struct cl_parse *p)
{
	struct pki_cluster	*cl = p->cl;
	struct cl_urlref	*u = NULL;
	const struct pki_strv	*sv;
	size_t			 i, j, n = 0, k;
	char			 path[PKI_JSON_PATH_MAX];
	int			 c, r;

	for (i = 0; i < cl->nmembers; i++)
		n += cl->members[i].peer_urls.n + cl->members[i].client_urls.n;
	if (n == 0)
		return PKI_OK;
	if ((u = calloc(n, sizeof(*u))) == NULL)
		return pki_json_err(&p->ctx, PKI_ERR_ALLOC, "members",
		    "out of memory");
	for (i = 0, k = 0; i < cl->nmembers; i++)
		for (c = 0; c < 2; c++) {
			sv = c ? &cl->members[i].client_urls :
			    &cl->members[i].peer_urls;
			for (j = 0; j < sv->n; j++, k++) {
				u[k].url = sv->v[j];
				u[k].member = i;
				u[k].client = c;
				u[k].index = j;
			}
		}
	qsort(u, n, sizeof(*u), urlref_cmp);
	for (i = 1; i < n; i++) {
		if (strcasecmp(u[i].url, u[i - 1].url) != 0 ||
		    u[i].member == u[i - 1].member)
			continue;
		snprintf(path, sizeof(path), "members[%zu].%s[%zu]",
		    u[i].member, u[i].client ? "client_urls" : "peer_urls",
		    u[i].index);
		r = pki_json_err(&p->ctx, PKI_ERR_INPUT, path, "\"%s\" is "
		    "also members[%zu].%s[%zu] (member \"%s\"): members that "
		    "share an IP address need distinct ports", u[i].url,
		    u[i - 1].member, u[i - 1].client ? "client_urls" :
		    "peer_urls", u[i - 1].index, cl->members[u[i - 1].member].name);
		free(u);
		return r;
	}
	free(u);
	return PKI_OK;
}

/*
 * Two members may not share a name (ignoring case); a member may not list
 * an IP address twice.  Members may share an IP (one host, several
 * members) when their URLs differ: see check_urls().
 */
static int
check_unique(struct cl_parse *p)
{
	struct pki_cluster	*cl = p->cl;
	struct cl_nameref	*refs = NULL;
	size_t			 i, first = 0, bm = SIZE_MAX, bi = 0, fm = 0;
	size_t			 fi = 0;
	char			 path[PKI_JSON_PATH_MAX];
	int			 r = PKI_ERR_INTERNAL;

	if ((refs = calloc(cl->nmembers, sizeof(*refs))) == NULL)
		return pki_json_err(&p->ctx, PKI_ERR_ALLOC, "members",
		    "out of memory");
	for (i = 0; i < cl->nmembers; i++) {
		refs[i].name = cl->members[i].name;
		refs[i].index = i;
	}
	qsort(refs, cl->nmembers, sizeof(*refs), nameref_cmp);
	for (i = 1; i < cl->nmembers; i++) {
		if (strcasecmp(refs[i].name, refs[i - 1].name) != 0) {
			first = i;
			continue;
		}
		if (bm == SIZE_MAX || refs[i].index < bm) {
			bm = refs[i].index;
			fm = refs[first].index;
		}
	}
	if (bm != SIZE_MAX) {
		snprintf(path, sizeof(path), "members[%zu].name", bm);
		r = pki_json_err(&p->ctx, PKI_ERR_INPUT, path,
		    "duplicate member name \"%s\" (also members[%zu])",
		    cl->members[bm].name, fm);
		goto out;
	}

	if (p->nips > 1)
		qsort(p->ips, p->nips, sizeof(*p->ips), ip_cmp);
	first = 0;
	for (i = 1; i < p->nips; i++) {
		if (p->ips[i].len != p->ips[i - 1].len ||
		    memcmp(p->ips[i].ip, p->ips[i - 1].ip, p->ips[i].len) !=
		    0 || p->ips[i].member != p->ips[i - 1].member) {
			first = i;
			continue;
		}
		if (bm == SIZE_MAX || before(p->ips[i].member,
		    p->ips[i].index, bm, bi)) {
			bm = p->ips[i].member;
			bi = p->ips[i].index;
			fm = p->ips[first].member;
			fi = p->ips[first].index;
		}
	}
	if (bm != SIZE_MAX) {
		snprintf(path, sizeof(path), "members[%zu].ips[%zu]", bm, bi);
		r = pki_json_err(&p->ctx, PKI_ERR_INPUT, path,
		    "duplicate IP address \"%s\" (also members[%zu].ips[%zu]"
		    "%s%s%s)", cl->members[bm].ips.v[bi], fm, fi,
		    fm == bm ? "" : ", member \"",
		    fm == bm ? "" : cl->members[fm].name,
		    fm == bm ? "" : "\"");
		goto out;
	}
	r = PKI_OK;
 out:
	free(refs);
	return r;
}

static int
parse_members(struct cl_parse *p, const json_t *arr)
{
	struct pki_cluster	*cl = p->cl;
	json_t			*e;
	size_t			 i, n;
	int			 r;

	if (arr == NULL)
		return pki_json_err(&p->ctx, PKI_ERR_INPUT, "members",
		    "at least one member is required");
	if ((r = pki_json_expect(&p->ctx, "members", arr, JSON_ARRAY)) != 0)
		return r;
	if ((n = json_array_size(arr)) == 0)
		return pki_json_err(&p->ctx, PKI_ERR_INPUT, "members",
		    "at least one member is required");
	if ((cl->members = calloc(n, sizeof(*cl->members))) == NULL)
		return pki_json_err(&p->ctx, PKI_ERR_ALLOC, "members",
		    "out of memory");
	json_array_foreach(arr, i, e) {
		cl->nmembers++;
		if ((r = parse_member(p, i, e, &cl->members[i])) != 0)
			return r;
	}
	if ((r = check_unique(p)) != 0)
		return r;
	return check_urls(p);
}

/* ---- leaves ----------------------------------------------------------- */

/* A leaf's CSR JSON text, in the guide's shape; hosts may be NULL. */
static int
leaf_csr(struct cl_parse *p, struct pki_cluster_leaf *leaf, const char *cn,
    json_t *hosts, json_t *names)
{
	json_t	*o = NULL;
	int	 r = PKI_ERR_INTERNAL;

	if ((o = json_object()) == NULL ||
	    pki_cl_obj_set_new(o, "CN", json_string(cn)) != 0 ||
	    (hosts != NULL && json_array_size(hosts) > 0 &&
	    pki_cl_obj_set(o, "hosts", hosts) != 0) ||
	    pki_cl_obj_set(o, "key", p->key) != 0 ||
	    (names != NULL && json_array_size(names) > 0 &&
	    pki_cl_obj_set(o, "names", names) != 0) ||
	    (leaf->csr_json = pki_cl_dump_pretty(o)) == NULL) {
		r = pki_json_err(&p->ctx, PKI_ERR_ALLOC, "", "out of memory");
		goto out;
	}
	/* The object its text was dumped from: the same CSR, parsed once. */
	r = pki_csr_from_json(o, p->ctx.source, p->ctx.opts, &leaf->csr,
	    p->ctx.err);
 out:
	json_decref(o);
	return r;
}

/* One entry of the all-members SAN list. */
struct cl_gent {
	const char	*host;
	size_t		 owner;
	int		 is_ip;
	int		 dup;
	unsigned char	 ip[16];	/* is_ip: the address */
	size_t		 iplen;
};

static int
gent_cmp(const void *a, const void *b)
{
	const struct cl_gent	*x = *(const struct cl_gent *const *)a;
	const struct cl_gent	*y = *(const struct cl_gent *const *)b;
	int			 c;

	if ((c = strcasecmp(x->host, y->host)) != 0)
		return c;
	return x < y ? -1 : x > y;
}

/* IP entries: by address (however written), then in member order. */
static int
gent_ip_cmp(const void *a, const void *b)
{
	const struct cl_gent	*x = *(const struct cl_gent *const *)a;
	const struct cl_gent	*y = *(const struct cl_gent *const *)b;
	int			 c;

	if (x->iplen != y->iplen)
		return x->iplen < y->iplen ? -1 : 1;
	if ((c = memcmp(x->ip, y->ip, x->iplen)) != 0)
		return c;
	return x < y ? -1 : x > y;
}

/* Marks every entry of v (n, sorted by cmp) equal to the one before. */
static void
mark_dups(struct cl_gent **v, size_t n,
    int (*cmp)(const void *, const void *))
{
	size_t	i;

	if (n > 1)
		qsort(v, n, sizeof(*v), cmp);
	for (i = 1; i < n; i++)
		if (v[i]->is_ip ? v[i]->iplen == v[i - 1]->iplen &&
		    memcmp(v[i]->ip, v[i - 1]->ip, v[i]->iplen) == 0 :
		    strcasecmp(v[i]->host, v[i - 1]->host) == 0)
			v[i]->dup = 1;
}

/*
 * Every member's dns and ips in member order, DNS names and IP addresses
 * repeated by a later member marked (members on one host share its IP).
 */
static int
build_global(const struct pki_cluster *cl, struct cl_gent **out, size_t *nout)
{
	struct cl_gent	 *g = NULL, **dns = NULL, **ips = NULL;
	size_t		  n = 0, nd = 0, ni = 0, i, j, k;

	*out = NULL;
	*nout = 0;
	for (i = 0; i < cl->nmembers; i++)
		n += cl->members[i].dns.n + cl->members[i].ips.n;
	if ((g = calloc(n + 1, sizeof(*g))) == NULL ||
	    (dns = calloc(n + 1, sizeof(*dns))) == NULL ||
	    (ips = calloc(n + 1, sizeof(*ips))) == NULL) {
		free(g);
		free(dns);
		return PKI_ERR_ALLOC;
	}
	for (i = 0, k = 0; i < cl->nmembers; i++) {
		for (j = 0; j < cl->members[i].dns.n; j++, k++) {
			g[k].host = cl->members[i].dns.v[j];
			g[k].owner = i;
			dns[nd++] = &g[k];
		}
		for (j = 0; j < cl->members[i].ips.n; j++, k++) {
			g[k].host = cl->members[i].ips.v[j];
			g[k].owner = i;
			g[k].is_ip = 1;
			/* Parsed once already: it is an address. */
			if (pki_cl_ip_parse(g[k].host, g[k].ip,
			    &g[k].iplen) == 1)
				ips[ni++] = &g[k];
		}
	}
	mark_dups(dns, nd, gent_cmp);
	mark_dups(ips, ni, gent_ip_cmp);
	free(dns);
	free(ips);
	*out = g;
	*nout = n;
	return PKI_OK;
}

/* Appends host (a copy) to arr; 0 or -1. */
int
pki_cl_arr_add_str(json_t *arr, const char *host)
{
	return arr_add_new(arr, json_string(host));
}

/* The SANs of member mi's certificate, in the documented order. */
static int
member_hosts(const struct pki_cluster *cl, size_t mi,
    const struct cl_gent *g, size_t ng, const int *local_in_g, json_t **out)
{
	const struct pki_cluster_member	*m = &cl->members[mi];
	json_t				*arr = NULL;
	size_t				 i;
	int				 present;

	*out = NULL;
	if ((arr = json_array()) == NULL)
		return PKI_ERR_ALLOC;
	for (i = 0; i < m->dns.n; i++)
		if (pki_cl_arr_add_str(arr, m->dns.v[i]) != 0)
			goto nomem;
	for (i = 0; i < m->ips.n; i++)
		if (pki_cl_arr_add_str(arr, m->ips.v[i]) != 0)
			goto nomem;
	if (!cl->san_own) {
		for (i = 0; i < ng; i++) {
			if (g[i].owner == mi || g[i].dup)
				continue;
			if (!g[i].is_ip && pki_cl_strv_has(&m->dns, g[i].host, 1))
				continue;
			if (g[i].is_ip && pki_cl_strv_has_ip(&m->ips,
			    g[i].host))
				continue;
			if (pki_cl_arr_add_str(arr, g[i].host) != 0)
				goto nomem;
		}
	}
	if (cl->local_sans) {
		for (i = 0; i < 3; i++) {
			if (i == 0)
				present = pki_cl_strv_has(&m->dns, local_sans[i], 1);
			else
				present = pki_cl_strv_has_ip(&m->ips, local_sans[i]);
			if (!cl->san_own && local_in_g[i])
				present = 1;
			if (!present && pki_cl_arr_add_str(arr, local_sans[i]) != 0)
				goto nomem;
		}
	}
	*out = arr;
	return PKI_OK;
 nomem:
	json_decref(arr);
	return PKI_ERR_ALLOC;
}

static int
build_member_leaves(struct cl_parse *p)
{
	struct pki_cluster	*cl = p->cl;
	struct pki_cluster_leaf	*leaf;
	struct cl_gent		*g = NULL;
	json_t			*hosts = NULL;
	size_t			 ng = 0, i, j;
	int			 local_in_g[3] = { 0, 0, 0 }, r;

	if (!cl->san_own) {
		if ((r = build_global(cl, &g, &ng)) != 0)
			return pki_json_err(&p->ctx, r, "", "out of memory");
		for (i = 0; i < ng; i++)
			for (j = 0; j < 3; j++)
				if (g[i].is_ip == (j != 0) && (j == 0 ?
				    strcasecmp(g[i].host, local_sans[j]) == 0 :
				    ip_equal(g[i].host, local_sans[j])))
					local_in_g[j] = 1;
	}
	for (i = 0; i < cl->nmembers; i++) {
		leaf = &cl->leaves[cl->nleaves++];
		leaf->member = (int)i;
		leaf->profile = NULL;
		leaf->key_format = cl->members[i].key_format;
		leaf->owner = cl->members[i].owner;
		if ((leaf->name = strdup(cl->members[i].name)) == NULL ||
		    (leaf->dir = strdup(cl->members[i].name)) == NULL ||
		    member_hosts(cl, i, g, ng, local_in_g, &hosts) != 0) {
			r = pki_json_err(&p->ctx, PKI_ERR_ALLOC, "members",
			    "out of memory");
			goto out;
		}
		r = leaf_csr(p, leaf, cl->members[i].name, hosts, p->names);
		json_decref(hosts);
		hosts = NULL;
		if (r != 0)
			goto out;
	}
	r = PKI_OK;
 out:
	free(g);
	return r;
}

static int
parse_client(struct cl_parse *p, size_t idx, const json_t *obj,
    struct pki_cluster_leaf *leaf)
{
	json_t		*vals[C__N], *part = NULL, *names;
	char		 cpath[PKI_JSON_PATH_MAX], path[PKI_JSON_PATH_MAX];
	char		*cn = NULL;
	int		 r = PKI_ERR_INTERNAL;

	pki_json_path_index(cpath, sizeof(cpath), "clients", idx);
	leaf->member = -1;
	leaf->key_format = p->cl->key_format;
	if ((r = pki_json_fields(&p->ctx, cpath, obj, client_fields,
	    vals)) != 0)
		return r;
	pki_json_path_key(path, sizeof(path), cpath, "key_format");
	if ((r = parse_key_format(p, path, vals[C_KEY_FORMAT],
	    &leaf->key_format)) != 0 ||
	    (r = parse_owner(p, cpath, &vals[C_OWNER], &leaf->owner,
	    &p->cl->owner)) != 0)
		return r;
	pki_json_path_key(path, sizeof(path), cpath, "name");
	if (vals[C_NAME] == NULL)
		return pki_json_err(&p->ctx, PKI_ERR_INPUT, path,
		    "missing: every client needs a name");
	if ((r = pki_json_string(&p->ctx, path, vals[C_NAME],
	    &leaf->name)) != 0)
		return r;
	if (!pki_cl_valid_name(leaf->name))
		return pki_json_err(&p->ctx, PKI_ERR_INPUT, path,
		    "\"%s\" is not a valid client name ([A-Za-z0-9]"
		    "[A-Za-z0-9._-]*, at most %d characters)", leaf->name,
		    CL_NAME_MAX);
	if (asprintf(&leaf->dir, "clients/%s", leaf->name) < 0) {
		leaf->dir = NULL;
		return pki_json_err(&p->ctx, PKI_ERR_ALLOC, path,
		    "out of memory");
	}
	/* CN, names and hosts get the CSR parser's checks. */
	names = vals[C_NAMES] != NULL ? vals[C_NAMES] : p->names;
	if ((part = json_object()) == NULL ||
	    (vals[C_CN] != NULL && pki_cl_obj_set(part, "CN", vals[C_CN]) != 0) ||
	    (vals[C_NAMES] != NULL && pki_cl_obj_set(part, "names",
	    vals[C_NAMES]) != 0) ||
	    (vals[C_HOSTS] != NULL && pki_cl_obj_set(part, "hosts",
	    vals[C_HOSTS]) != 0)) {
		r = pki_json_err(&p->ctx, PKI_ERR_ALLOC, cpath,
		    "out of memory");
		goto out;
	}
	if ((r = check_part(p, cpath, part, NULL)) != 0)
		goto out;
	pki_json_path_key(path, sizeof(path), cpath, "CN");
	if ((r = pki_json_string(&p->ctx, path, vals[C_CN], &cn)) != 0)
		goto out;
	r = leaf_csr(p, leaf, cn != NULL ? cn : leaf->name, vals[C_HOSTS],
	    names);
 out:
	json_decref(part);
	free(cn);
	return r;
}

static int
parse_clients(struct cl_parse *p, json_t *arr)
{
	struct pki_cluster	*cl = p->cl;
	json_t			*e, *def = NULL;
	size_t			 i, j, base = cl->nleaves;
	char			 path[PKI_JSON_PATH_MAX];
	int			 r = PKI_ERR_INTERNAL;

	if (arr == NULL) {
		if ((def = json_pack("[{s:s}]", "name", "admin")) == NULL)
			return pki_json_err(&p->ctx, PKI_ERR_ALLOC, "clients",
			    "out of memory");
		arr = def;
	} else if ((r = pki_json_expect(&p->ctx, "clients", arr,
	    JSON_ARRAY)) != 0)
		return r;
	json_array_foreach(arr, i, e) {
		cl->nleaves++;
		if ((r = parse_client(p, i, e, &cl->leaves[base + i])) != 0)
			goto out;
		for (j = 0; j < i; j++)
			if (strcasecmp(cl->leaves[base + j].name,
			    cl->leaves[base + i].name) == 0) {
				snprintf(path, sizeof(path),
				    "clients[%zu].name", i);
				r = pki_json_err(&p->ctx, PKI_ERR_INPUT, path,
				    "duplicate client name \"%s\" (also "
				    "clients[%zu])", cl->leaves[base + i].name,
				    j);
				goto out;
			}
	}
	r = PKI_OK;
 out:
	json_decref(def);
	return r;
}

static int
parse_cluster(struct cl_parse *p, json_t *root)
{
	struct pki_cluster	*cl = p->cl;
	json_t			*vals[F__N];
	char			*policy = NULL;
	size_t			 i, nclients;
	int			 r = PKI_ERR_INTERNAL;

	if ((r = pki_json_fields_hint(&p->ctx, "", root, cl_fields, cl_hints,
	    vals)) != 0)
		return r;
	if ((cl->name = strdup(CL_DEFAULT_NAME)) == NULL)
		goto nomem;
	if ((r = get_text(p, "name", vals[F_NAME], &cl->name)) != 0 ||
	    (r = get_text(p, "token", vals[F_TOKEN], &cl->token)) != 0)
		goto out;
	if (cl->token == NULL && asprintf(&cl->token, "%s-token",
	    cl->name) < 0) {
		cl->token = NULL;
		goto nomem;
	}
	if ((r = parse_key_names(p, vals[F_KEY], vals[F_NAMES])) != 0 ||
	    (r = parse_ca(p, vals[F_CA])) != 0 ||
	    (r = parse_signing(p, vals[F_SIGNING])) != 0)
		goto out;
	if ((r = pki_json_string(&p->ctx, "san_policy", vals[F_SAN_POLICY],
	    &policy)) != 0)
		goto out;
	if (policy != NULL) {
		for (i = 0; san_policies[i] != NULL; i++)
			if (strcmp(policy, san_policies[i]) == 0)
				break;
		if (san_policies[i] == NULL) {
			r = pki_json_err(&p->ctx, PKI_ERR_INPUT, "san_policy",
			    "unknown policy \"%s\" (all-members, own)",
			    policy);
			goto out;
		}
		cl->san_own = i == 1;
	}
	cl->local_sans = 1;
	cl->fragments = 1;
	if ((r = pki_json_bool(&p->ctx, "local_sans", vals[F_LOCAL_SANS],
	    &cl->local_sans)) != 0 ||
	    (r = pki_json_bool(&p->ctx, "fragments", vals[F_FRAGMENTS],
	    &cl->fragments)) != 0 ||
	    (r = get_text(p, "pki_dir", vals[F_PKI_DIR], &cl->pki_dir)) != 0 ||
	    (r = get_text(p, "config_dir", vals[F_CONFIG_DIR],
	    &cl->config_dir)) != 0 ||
	    (r = get_text(p, "etcdctl_env", vals[F_ETCDCTL_ENV],
	    &cl->etcdctl_env)) != 0 ||
	    (r = get_text(p, "data_dir", vals[F_DATA_DIR],
	    &cl->data_dir)) != 0 ||
	    (r = parse_key_format(p, "key_format", vals[F_KEY_FORMAT],
	    &cl->key_format)) != 0 ||
	    (r = parse_owner(p, NULL, &vals[F_OWNER], &cl->owner, NULL)) != 0)
		goto out;
	if ((r = parse_members(p, vals[F_MEMBERS])) != 0)
		goto out;
	if (vals[F_CLIENTS] != NULL && (r = pki_json_expect(&p->ctx,
	    "clients", vals[F_CLIENTS], JSON_ARRAY)) != 0)
		goto out;
	nclients = vals[F_CLIENTS] == NULL ? 1 :
	    json_array_size(vals[F_CLIENTS]);
	if ((cl->leaves = calloc(cl->nmembers + nclients,
	    sizeof(*cl->leaves))) == NULL)
		goto nomem;
	if ((r = build_member_leaves(p)) != 0 ||
	    (r = parse_clients(p, vals[F_CLIENTS])) != 0)
		goto out;
	/* Profiles last: they are checked against the leaves' needs. */
	{
		const struct pki_profile	*peer = NULL, *client = NULL;

		if ((r = check_profile(p, "signing.peer_profile",
		    cl->peer_profile, 1, &peer)) != 0)
			goto out;
		if (nclients > 0 && (r = check_profile(p,
		    "signing.client_profile", cl->client_profile, 0,
		    &client)) != 0)
			goto out;
		for (i = 0; i < cl->nleaves; i++)
			cl->leaves[i].profile = cl->leaves[i].member >= 0 ?
			    peer : client;
	}
	r = PKI_OK;
	goto out;
 nomem:
	r = pki_json_err(&p->ctx, PKI_ERR_ALLOC, "", "out of memory");
 out:
	free(policy);
	return r;
}

int
pki_cluster_parse(const char *buf, size_t len, const char *source,
    const struct pki_parse_opts *opts, struct pki_cluster **out,
    struct pki_error *err)
{
	struct cl_parse		 p;
	struct pki_cluster	*cl = NULL;
	json_t			*root = NULL;
	int			 r = PKI_ERR_INTERNAL;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	if (source == NULL)
		source = "<input>";
	p.ctx.source = source;
	p.ctx.opts = opts;
	p.ctx.err = err;
	if ((r = pki_json_load_go(&p.ctx, buf, len, &root)) != 0)
		goto out;
	if ((cl = calloc(1, sizeof(*cl))) == NULL ||
	    (cl->source = strdup(source)) == NULL ||
	    (cl->basedir = dir_of(source)) == NULL) {
		r = pki_json_err(&p.ctx, PKI_ERR_ALLOC, "", "out of memory");
		goto out;
	}
	p.cl = cl;
	if ((r = parse_cluster(&p, root)) != 0)
		goto out;
	*out = cl;
	cl = NULL;
	r = PKI_OK;
 out:
	json_decref(p.key);
	free(p.ips);
	json_decref(root);
	pki_cluster_free(cl);
	return r;
}

/* ---- etcd.conf.yml and etcd.env fragments, etcdctl.env ------------------- */

/* Appends "key: 'a,b,c'". */
static void
yaml_list(struct pki_buf *sb, const char *key, const struct pki_strv *sv)
{
	struct pki_buf	v = { NULL, 0, 0, 0 };
	size_t		i;

	for (i = 0; i < sv->n; i++) {
		if (i > 0)
			pki_buf_add(&v, ",");
		pki_buf_add(&v, sv->v[i]);
	}
	sb_printf(sb, "%s: ", key);
	sb_yaml_quote(sb, v.b != NULL ? v.b : "");
	pki_buf_add(sb, "\n");
	if (v.oom)
		sb->oom = 1;
	free(v.b);
}

/* The transport-security block for the member's own files. */
static void
yaml_tls(struct pki_buf *sb, const char *key, const char *pki_dir,
    const char *name)
{
	char	*path = NULL;

	sb_printf(sb, "%s:\n", key);
	if (asprintf(&path, "%s/%s.pem", pki_dir, name) < 0) {
		sb->oom = 1;
		return;
	}
	pki_buf_add(sb, "  cert-file: ");
	sb_yaml_quote(sb, path);
	free(path);
	if (asprintf(&path, "%s/%s-key.pem", pki_dir, name) < 0) {
		sb->oom = 1;
		return;
	}
	pki_buf_add(sb, "\n  key-file: ");
	sb_yaml_quote(sb, path);
	free(path);
	pki_buf_add(sb, "\n  client-cert-auth: true\n  trusted-ca-file: ");
	if (asprintf(&path, "%s/ca.pem", pki_dir) < 0) {
		sb->oom = 1;
		return;
	}
	sb_yaml_quote(sb, path);
	free(path);
	pki_buf_add(sb, "\n");
}

/* The checks of a member's fragment: member in range, pki_dir usable. */
static int
fragment_args(const struct pki_cluster *cl, size_t member,
    const char *pki_dir, struct pki_error *err)
{
	if (member >= cl->nmembers)
		return pki_err(err, PKI_ERR_ARG, "member %zu of %zu", member,
		    cl->nmembers);
	if (pki_dir == NULL || *pki_dir == '\0' || pki_cl_has_ctrl(pki_dir))
		return pki_err(err, PKI_ERR_ARG, "%s: the PKI directory must "
		    "be a non-empty path without control characters",
		    cl->source);
	return PKI_OK;
}

/* etcd's initial-cluster: NAME=PEER_URL for every member's peer URL. */
static void
initial_cluster(const struct pki_cluster *cl, struct pki_buf *ic)
{
	size_t	i, j;

	for (i = 0; i < cl->nmembers; i++)
		for (j = 0; j < cl->members[i].peer_urls.n; j++)
			sb_printf(ic, "%s%s=%s", ic->len > 0 ? "," : "",
			    cl->members[i].name, cl->members[i].peer_urls.v[j]);
	if (ic->b == NULL)
		pki_buf_add(ic, "");
}

int
pki_cluster_etcd_conf(const struct pki_cluster *cl, size_t member,
    const char *pki_dir, char **out, struct pki_error *err)
{
	const struct pki_cluster_member	*m;
	struct pki_buf			 sb = { NULL, 0, 0, 0 };
	struct pki_buf			 ic = { NULL, 0, 0, 0 };
	int				 r;

	*out = NULL;
	if ((r = fragment_args(cl, member, pki_dir, err)) != PKI_OK)
		return r;
	m = &cl->members[member];
	sb_printf(&sb, "# etcd member \"%s\" of cluster \"%s\": written by "
	    "etcd-pki cluster issue\n", m->name, cl->name);
	pki_buf_add(&sb, "name: ");
	sb_yaml_quote(&sb, m->name);
	pki_buf_add(&sb, "\n");
	if (m->data_dir != NULL) {
		pki_buf_add(&sb, "data-dir: ");
		sb_yaml_quote(&sb, m->data_dir);
		pki_buf_add(&sb, "\n");
	}
	yaml_list(&sb, "initial-advertise-peer-urls", &m->peer_urls);
	yaml_list(&sb, "listen-peer-urls", &m->listen_peer_urls);
	yaml_list(&sb, "advertise-client-urls", &m->client_urls);
	yaml_list(&sb, "listen-client-urls", &m->listen_client_urls);
	initial_cluster(cl, &ic);
	pki_buf_add(&sb, "initial-cluster: ");
	sb_yaml_quote(&sb, ic.b != NULL ? ic.b : "");
	pki_buf_add(&sb, "\ninitial-cluster-token: ");
	sb_yaml_quote(&sb, cl->token);
	pki_buf_add(&sb, m->existing ? "\ninitial-cluster-state: 'existing'\n"
	    : "\ninitial-cluster-state: 'new'\n");
	pki_buf_add(&sb, "enable-grpc-gateway: true\n");
	yaml_tls(&sb, "client-transport-security", pki_dir, m->name);
	yaml_tls(&sb, "peer-transport-security", pki_dir, m->name);
	free(ic.b);
	if (sb.oom || ic.oom) {
		free(sb.b);
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	}
	*out = sb.b;
	return PKI_OK;
}

/* Appends "VAR='value'" and a newline (value: a, or a/b when b). */
static void
env_line(struct pki_buf *sb, const char *var, const char *a, const char *b)
{
	char	*path = NULL;

	if (b != NULL && asprintf(&path, "%s/%s", a, b) < 0) {
		sb->oom = 1;
		return;
	}
	sb_printf(sb, "%s=", var);
	sb_sh_quote(sb, path != NULL ? path : a);
	pki_buf_add(sb, "\n");
	free(path);
}

/* Appends "VAR='a,b,c'". */
static void
env_list(struct pki_buf *sb, const char *var, const struct pki_strv *sv)
{
	struct pki_buf	v = { NULL, 0, 0, 0 };
	size_t		i;

	for (i = 0; i < sv->n; i++)
		sb_printf(&v, "%s%s", i > 0 ? "," : "", sv->v[i]);
	env_line(sb, var, v.b != NULL ? v.b : "", NULL);
	if (v.oom)
		sb->oom = 1;
	free(v.b);
}

int
pki_cluster_etcd_env(const struct pki_cluster *cl, size_t member,
    const char *pki_dir, int crl, char **out, struct pki_error *err)
{
	const struct pki_cluster_member	*m;
	struct pki_buf			 sb = { NULL, 0, 0, 0 };
	struct pki_buf			 ic = { NULL, 0, 0, 0 };
	char				 cert[NAME_MAX + 1], key[NAME_MAX + 1];
	int				 r;

	*out = NULL;
	if ((r = fragment_args(cl, member, pki_dir, err)) != PKI_OK)
		return r;
	m = &cl->members[member];
	snprintf(cert, sizeof(cert), "%s.pem", m->name);
	snprintf(key, sizeof(key), "%s-key.pem", m->name);
	sb_printf(&sb, "# etcd member \"%s\" of cluster \"%s\": written by "
	    "etcd-pki cluster issue\n# The settings of etcd.conf.yml as etcd's "
	    "environment (systemd EnvironmentFile=),\n# for etcd started "
	    "without --config-file: only then does it read the CRL.\n",
	    m->name, cl->name);
	env_line(&sb, "ETCD_NAME", m->name, NULL);
	if (m->data_dir != NULL)
		env_line(&sb, "ETCD_DATA_DIR", m->data_dir, NULL);
	env_list(&sb, "ETCD_INITIAL_ADVERTISE_PEER_URLS", &m->peer_urls);
	env_list(&sb, "ETCD_LISTEN_PEER_URLS", &m->listen_peer_urls);
	env_list(&sb, "ETCD_ADVERTISE_CLIENT_URLS", &m->client_urls);
	env_list(&sb, "ETCD_LISTEN_CLIENT_URLS", &m->listen_client_urls);
	initial_cluster(cl, &ic);
	env_line(&sb, "ETCD_INITIAL_CLUSTER", ic.b != NULL ? ic.b : "", NULL);
	env_line(&sb, "ETCD_INITIAL_CLUSTER_TOKEN", cl->token, NULL);
	env_line(&sb, "ETCD_INITIAL_CLUSTER_STATE", m->existing ? "existing" :
	    "new", NULL);
	env_line(&sb, "ETCD_ENABLE_GRPC_GATEWAY", "true", NULL);
	env_line(&sb, "ETCD_CERT_FILE", pki_dir, cert);
	env_line(&sb, "ETCD_KEY_FILE", pki_dir, key);
	env_line(&sb, "ETCD_CLIENT_CERT_AUTH", "true", NULL);
	env_line(&sb, "ETCD_TRUSTED_CA_FILE", pki_dir, "ca.pem");
	if (crl)
		env_line(&sb, "ETCD_CLIENT_CRL_FILE", pki_dir,
		    PKI_CLDIR_CRL_DER);
	env_line(&sb, "ETCD_PEER_CERT_FILE", pki_dir, cert);
	env_line(&sb, "ETCD_PEER_KEY_FILE", pki_dir, key);
	env_line(&sb, "ETCD_PEER_CLIENT_CERT_AUTH", "true", NULL);
	env_line(&sb, "ETCD_PEER_TRUSTED_CA_FILE", pki_dir, "ca.pem");
	if (crl)
		env_line(&sb, "ETCD_PEER_CRL_FILE", pki_dir, PKI_CLDIR_CRL_DER);
	free(ic.b);
	if (sb.oom || ic.oom) {
		free(sb.b);
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	}
	*out = sb.b;
	return PKI_OK;
}

/* Every member's client URLs, comma-separated. */
static void
client_endpoints(const struct pki_cluster *cl, struct pki_buf *ep)
{
	size_t	i, j;

	for (i = 0; i < cl->nmembers; i++)
		for (j = 0; j < cl->members[i].client_urls.n; j++)
			sb_printf(ep, "%s%s", ep->len > 0 ? "," : "",
			    cl->members[i].client_urls.v[j]);
}

int
pki_cluster_etcdctl_env(const struct pki_cluster *cl, size_t leaf,
    const char *pki_dir, char **out, struct pki_error *err)
{
	const struct pki_cluster_leaf	*l;
	struct pki_buf			 sb = { NULL, 0, 0, 0 };
	struct pki_buf			 ep = { NULL, 0, 0, 0 };
	char				*path = NULL;

	*out = NULL;
	if (leaf >= cl->nleaves)
		return pki_err(err, PKI_ERR_ARG, "leaf %zu of %zu", leaf,
		    cl->nleaves);
	if (pki_dir == NULL || *pki_dir == '\0' || pki_cl_has_ctrl(pki_dir))
		return pki_err(err, PKI_ERR_ARG, "%s: the PKI directory must "
		    "be a non-empty path without control characters",
		    cl->source);
	l = &cl->leaves[leaf];
	client_endpoints(cl, &ep);
	sb_printf(&sb, "# etcdctl environment of \"%s\" for cluster \"%s\": "
	    "written by etcd-pki cluster issue\n", l->name, cl->name);
	pki_buf_add(&sb, "export ETCDCTL_API=3\nexport ETCDCTL_ENDPOINTS=");
	sb_sh_quote(&sb, ep.b != NULL ? ep.b : "");
	pki_buf_add(&sb, "\nexport ETCDCTL_CACERT=");
	if (asprintf(&path, "%s/ca.pem", pki_dir) < 0)
		goto nomem;
	sb_sh_quote(&sb, path);
	free(path);
	pki_buf_add(&sb, "\nexport ETCDCTL_CERT=");
	if (asprintf(&path, "%s/%s.pem", pki_dir, l->name) < 0)
		goto nomem;
	sb_sh_quote(&sb, path);
	free(path);
	pki_buf_add(&sb, "\nexport ETCDCTL_KEY=");
	if (asprintf(&path, "%s/%s-key.pem", pki_dir, l->name) < 0)
		goto nomem;
	sb_sh_quote(&sb, path);
	free(path);
	pki_buf_add(&sb, "\n");
	if (sb.oom || ep.oom)
		goto nomem;
	free(ep.b);
	*out = sb.b;
	return PKI_OK;
 nomem:
	free(sb.b);
	free(ep.b);
	return pki_err(err, PKI_ERR_ALLOC, "out of memory");
}

int
pki_cluster_kube_flags(const struct pki_cluster *cl, size_t leaf,
    const char *pki_dir, char **out, struct pki_error *err)
{
	const struct pki_cluster_leaf	*l;
	struct pki_buf			 sb = { NULL, 0, 0, 0 };
	struct pki_buf			 ep = { NULL, 0, 0, 0 };

	*out = NULL;
	if (leaf >= cl->nleaves)
		return pki_err(err, PKI_ERR_ARG, "leaf %zu of %zu", leaf,
		    cl->nleaves);
	l = &cl->leaves[leaf];
	client_endpoints(cl, &ep);
	sb_printf(&sb, "--etcd-servers=%s\n--etcd-cafile=%s/ca.pem\n"
	    "--etcd-certfile=%s/%s.pem\n--etcd-keyfile=%s/%s-key.pem\n",
	    ep.b != NULL ? ep.b : "", pki_dir, pki_dir, l->name, pki_dir,
	    l->name);
	free(ep.b);
	if (sb.oom || ep.oom) {
		free(sb.b);
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	}
	*out = sb.b;
	return PKI_OK;
}
