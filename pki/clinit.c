/*
 * clinit.c: "cluster init": a cluster description built from etcd's
 * initial-cluster string, -ips/-dns lists, etcd.conf.yml files (read
 * with libyaml) or synthetic members, then checked by parsing it
 * (cluster.c).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <yaml.h>

#include "config.h"
#include "internal.h"
#include "json.h"
#include "cluster.h"
#include "dl.h"

/*
 * libyaml's entry points: libyaml is loaded on first use (dl.h), as only
 * cluster init from etcd.conf.yml files needs it.
 */
struct yaml_fns {
	int		 (*parser_initialize)(yaml_parser_t *);
	void		 (*parser_set_input_string)(yaml_parser_t *,
			    const unsigned char *, size_t);
	int		 (*parser_load)(yaml_parser_t *, yaml_document_t *);
	void		 (*parser_delete)(yaml_parser_t *);
	yaml_node_t	*(*document_get_root_node)(yaml_document_t *);
	yaml_node_t	*(*document_get_node)(yaml_document_t *, int);
	void		 (*document_delete)(yaml_document_t *);
};
static struct yaml_fns		libyaml;
#define YAML_FN(f)	PKI_DL_SYM(struct yaml_fns, f, "yaml_" #f)
static const struct pki_dl_sym	yaml_syms[] = {
	YAML_FN(parser_initialize),
	YAML_FN(parser_set_input_string),
	YAML_FN(parser_load),
	YAML_FN(parser_delete),
	YAML_FN(document_get_root_node),
	YAML_FN(document_get_node),
	YAML_FN(document_delete),
};
#undef YAML_FN
static struct pki_dl		yaml_lib = PKI_DL_INIT(PKI_SONAME_YAML,
    "reading etcd.conf.yml files", "libyaml-0-2", yaml_syms, &libyaml);

/* Each entry of the table has the type yaml.h declares. */
PKI_DL_CHECK(libyaml, parser_initialize, yaml_parser_initialize);
PKI_DL_CHECK(libyaml, parser_set_input_string, yaml_parser_set_input_string);
PKI_DL_CHECK(libyaml, parser_load, yaml_parser_load);
PKI_DL_CHECK(libyaml, parser_delete, yaml_parser_delete);
PKI_DL_CHECK(libyaml, document_get_root_node, yaml_document_get_root_node);
PKI_DL_CHECK(libyaml, document_get_node, yaml_document_get_node);
PKI_DL_CHECK(libyaml, document_delete, yaml_document_delete);

/* ---- cluster init ------------------------------------------------------ */

/* A member being assembled by init. */
struct init_member {
	char		*name;
	struct pki_strv	 dns, ips, peer_urls, client_urls;
	struct pki_strv	 listen_peer_urls, listen_client_urls;
	char		*data_dir;
	const char	*file;		/* the etcd.conf.yml naming it */
};

struct init_state {
	struct init_member	*m;
	size_t			 n;
	char			*token;		/* from the YAML files */
	struct pki_error	*err;
};

static void
init_clear(struct init_state *st)
{
	size_t	i;

	for (i = 0; i < st->n; i++) {
		free(st->m[i].name);
		pki_strv_clear(&st->m[i].dns);
		pki_strv_clear(&st->m[i].ips);
		pki_strv_clear(&st->m[i].peer_urls);
		pki_strv_clear(&st->m[i].client_urls);
		pki_strv_clear(&st->m[i].listen_peer_urls);
		pki_strv_clear(&st->m[i].listen_client_urls);
		free(st->m[i].data_dir);
	}
	free(st->m);
	free(st->token);
	st->m = NULL;
	st->n = 0;
	st->token = NULL;
}

static struct init_member *
init_find(struct init_state *st, const char *name)
{
	size_t	i;

	for (i = 0; i < st->n; i++)
		if (strcmp(st->m[i].name, name) == 0)
			return &st->m[i];
	return NULL;
}

/* Adds a member (or returns the existing one); NULL if out of memory. */
static struct init_member *
init_add(struct init_state *st, const char *name)
{
	struct init_member	*nm;

	if ((nm = init_find(st, name)) != NULL)
		return nm;
	if ((nm = reallocarray(st->m, st->n + 1, sizeof(*nm))) == NULL)
		return NULL;
	st->m = nm;
	nm = &st->m[st->n];
	memset(nm, 0, sizeof(*nm));
	if ((nm->name = strdup(name)) == NULL)
		return NULL;
	st->n++;
	return nm;
}

/* Adds a URL's host to the member's ips or dns (no duplicates). */
static int
init_add_host(struct init_member *m, const char *host)
{
	unsigned char	ip[16];
	size_t		len;
	int		r;

	if ((r = pki_cl_ip_parse(host, ip, &len)) < 0)
		return r;
	if (r == 1)
		return pki_cl_strv_has_ip(&m->ips, host) ? PKI_OK :
		    pki_strv_push(&m->ips, host);
	return pki_cl_strv_has(&m->dns, host, 1) ? PKI_OK :
	    pki_strv_push(&m->dns, host);
}

/* The names of st's members, for messages. */
static void
init_names(const struct init_state *st, char *buf, size_t len)
{
	size_t	i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < st->n && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i == 0 ? "" : ", ",
		    st->m[i].name);
}

/* Splits a comma-separated list; "" is no item. */
static int
split_commas(const char *s, struct pki_strv *out)
{
	const char	*e;
	char		*item;
	int		 r;

	if (*s == '\0')
		return PKI_OK;
	for (;; s = e + 1) {
		e = strchr(s, ',');
		if ((item = strndup(s, e == NULL ? strlen(s) :
		    (size_t)(e - s))) == NULL)
			return PKI_ERR_ALLOC;
		r = pki_strv_push(out, item);
		free(item);
		if (r != 0)
			return r;
		if (e == NULL)
			return PKI_OK;
	}
}

/*
 * etcd's initial-cluster "name=URL,..." (label names it in messages):
 * adds the members in order, their peer URLs, and the URLs' hosts.
 */
static int
init_initial_cluster(struct init_state *st, const char *label,
    const char *s)
{
	struct pki_strv		 items = { NULL, 0 };
	struct pki_error	 e;
	struct pki_url		 u;
	struct init_member	*m;
	const char		*eq;
	char			*name = NULL;
	size_t			 i;
	int			 r = PKI_ERR_INTERNAL;

	memset(&e, 0, sizeof(e));
	if ((r = split_commas(s, &items)) != 0) {
		r = pki_err(st->err, r, "out of memory");
		goto out;
	}
	if (items.n == 0) {
		r = pki_err(st->err, PKI_ERR_INPUT, "%s: empty", label);
		goto out;
	}
	for (i = 0; i < items.n; i++) {
		if ((eq = strchr(items.v[i], '=')) == NULL) {
			r = pki_err(st->err, PKI_ERR_INPUT, "%s: \"%s\": "
			    "expected NAME=URL", label, items.v[i]);
			goto out;
		}
		free(name);
		if ((name = strndup(items.v[i], (size_t)(eq - items.v[i]))) ==
		    NULL) {
			r = pki_err(st->err, PKI_ERR_ALLOC, "out of memory");
			goto out;
		}
		if (!pki_cl_valid_name(name) || strcmp(name, "clients") == 0) {
			r = pki_err(st->err, PKI_ERR_INPUT, "%s: \"%s\" is not "
			    "a valid member name ([A-Za-z0-9][A-Za-z0-9._-]*, "
			    "at most %d characters, not \"clients\")", label,
			    name, CL_NAME_MAX);
			goto out;
		}
		if (pki_url_parse(eq + 1, 0, &u, &e) != PKI_OK) {
			r = pki_err(st->err, PKI_ERR_INPUT, "%s: \"%s\": %s",
			    label, eq + 1, e.text);
			goto out;
		}
		if ((m = init_add(st, name)) == NULL ||
		    (!pki_cl_strv_has(&m->peer_urls, eq + 1, 0) &&
		    pki_strv_push(&m->peer_urls, eq + 1) != 0) ||
		    init_add_host(m, u.host) != 0) {
			r = pki_err(st->err, PKI_ERR_ALLOC, "out of memory");
			goto out;
		}
	}
	r = PKI_OK;
 out:
	free(name);
	pki_strv_clear(&items);
	return r;
}

/*
 * -ips / -dns: "member=value,...".  create: unknown members are added
 * (the members come from -ips alone).
 */
static int
init_host_flag(struct init_state *st, const char *flag, const char *s,
    int want_ip, int create)
{
	struct pki_strv		 items = { NULL, 0 };
	struct init_member	*m;
	const char		*eq, *v;
	char			*name = NULL, list[256];
	unsigned char		 ip[16];
	size_t			 i, len;
	int			 r = PKI_ERR_INTERNAL, isip;

	if ((r = split_commas(s, &items)) != 0) {
		r = pki_err(st->err, r, "out of memory");
		goto out;
	}
	for (i = 0; i < items.n; i++) {
		if ((eq = strchr(items.v[i], '=')) == NULL || eq[1] == '\0') {
			r = pki_err(st->err, PKI_ERR_INPUT, "%s: \"%s\": "
			    "expected MEMBER=%s", flag, items.v[i],
			    want_ip ? "IP" : "NAME");
			goto out;
		}
		v = eq + 1;
		free(name);
		if ((name = strndup(items.v[i], (size_t)(eq - items.v[i]))) ==
		    NULL) {
			r = pki_err(st->err, PKI_ERR_ALLOC, "out of memory");
			goto out;
		}
		if ((m = init_find(st, name)) == NULL) {
			if (!create) {
				init_names(st, list, sizeof(list));
				r = pki_err(st->err, PKI_ERR_INPUT, "%s: "
				    "\"%s\": unknown member \"%s\" (members: "
				    "%s)", flag, items.v[i], name, list);
				goto out;
			}
			if (!pki_cl_valid_name(name) || strcmp(name, "clients") == 0) {
				r = pki_err(st->err, PKI_ERR_INPUT,
				    "%s: \"%s\" is not a valid member name "
				    "([A-Za-z0-9][A-Za-z0-9._-]*, at most %d "
				    "characters, not \"clients\")", flag, name,
				    CL_NAME_MAX);
				goto out;
			}
			if ((m = init_add(st, name)) == NULL) {
				r = pki_err(st->err, PKI_ERR_ALLOC,
				    "out of memory");
				goto out;
			}
		}
		if ((isip = pki_cl_ip_parse(v, ip, &len)) < 0) {
			r = pki_err(st->err, isip, "out of memory");
			goto out;
		}
		if (want_ip && !isip) {
			r = pki_err(st->err, PKI_ERR_INPUT,
			    "%s: \"%s\": \"%s\" is not an IP address%s", flag,
			    items.v[i], v,
			    pki_cl_valid_dns(v) ? ": use -dns for names" : "");
			goto out;
		}
		if (!want_ip && isip) {
			r = pki_err(st->err, PKI_ERR_INPUT,
			    "%s: \"%s\": \"%s\" is an IP address: use -ips",
			    flag, items.v[i], v);
			goto out;
		}
		if (!want_ip && !pki_cl_valid_dns(v)) {
			r = pki_err(st->err, PKI_ERR_INPUT,
			    "%s: \"%s\": \"%s\" is not a DNS name", flag,
			    items.v[i], v);
			goto out;
		}
		if (init_add_host(m, v) != 0) {
			r = pki_err(st->err, PKI_ERR_ALLOC, "out of memory");
			goto out;
		}
	}
	r = PKI_OK;
 out:
	free(name);
	pki_strv_clear(&items);
	return r;
}

/* What one etcd.conf.yml says. */
enum {
	Y_NAME, Y_IAPU, Y_ACU, Y_LPU, Y_LCU, Y_IC, Y_TOKEN, Y_DATA_DIR, Y__N
};
static const char *const yaml_keys[] = {
	"name", "initial-advertise-peer-urls", "advertise-client-urls",
	"listen-peer-urls", "listen-client-urls", "initial-cluster",
	"initial-cluster-token", "data-dir", NULL
};

struct yaml_conf {
	const char	*file;
	char		*v[Y__N];
};

static void
yaml_conf_clear(struct yaml_conf *yc)
{
	size_t	i;

	for (i = 0; i < Y__N; i++)
		free(yc->v[i]);
	memset(yc, 0, sizeof(*yc));
}

/*
 * The deepest flow nesting ([ and { outside quotes and comments) in a
 * YAML text.  libyaml's time grows with the square of that depth (two
 * million levels take minutes), and no etcd.conf.yml nests more than a
 * few levels, so the caller caps it before parsing.
 */
#define YAML_MAX_DEPTH	64

static size_t
yaml_flow_depth(const char *buf, size_t len)
{
	size_t	i, depth = 0, max = 0;
	char	q = '\0';

	for (i = 0; i < len; i++) {
		if (q != '\0') {
			if (buf[i] == q)
				q = '\0';
			else if (q == '"' && buf[i] == '\\' && i + 1 < len)
				i++;
			continue;
		}
		switch (buf[i]) {
		case '"':
		case '\'':
			q = buf[i];
			break;
		case '#':
			while (i < len && buf[i] != '\n')
				i++;
			break;
		case '[':
		case '{':
			if (++depth > max)
				max = depth;
			break;
		case ']':
		case '}':
			if (depth > 0)
				depth--;
			break;
		case '\n':
			q = '\0';
			break;
		}
	}
	return max;
}

/* Reads the keys we use from an etcd.conf.yml (libyaml's document API). */
static int
yaml_read(const char *file, struct yaml_conf *yc, struct pki_error *err)
{
	yaml_parser_t		 parser;
	yaml_document_t		 doc;
	yaml_node_t		*root, *k, *v;
	yaml_node_pair_t	*pair;
	const char		*val;
	char			*buf = NULL;
	size_t			 len = 0, i;
	int			 r = PKI_ERR_INTERNAL, have_parser = 0;
	int			 have_doc = 0;

	yc->file = file;
	if ((r = pki_input_read(file, 0, PKI_MAX_INPUT, &buf, &len,
	    err)) != 0)
		return r;
	if (yaml_flow_depth(buf, len) > YAML_MAX_DEPTH) {
		pki_err_source(err, file);
		r = pki_err(err, PKI_ERR_INPUT, "%s: nested too deeply (more "
		    "than %d levels of [ ] or { })", file, YAML_MAX_DEPTH);
		goto out;
	}
	if (!libyaml.parser_initialize(&parser)) {
		r = pki_err(err, PKI_ERR_ALLOC, "%s: out of memory", file);
		goto out;
	}
	have_parser = 1;
	libyaml.parser_set_input_string(&parser, (const unsigned char *)buf,
	    len);
	if (!libyaml.parser_load(&parser, &doc)) {
		pki_err_source(err, file);
		if (parser.error == YAML_MEMORY_ERROR)
			r = pki_err(err, PKI_ERR_ALLOC, "%s: out of memory",
			    file);
		else {
			r = pki_err(err, PKI_ERR_INPUT, "%s:%zu:%zu: %s%s%s%s",
			    file, parser.problem_mark.line + 1,
			    parser.problem_mark.column + 1,
			    parser.problem != NULL ? parser.problem :
			    "invalid YAML", parser.context != NULL ? " (" : "",
			    parser.context != NULL ? parser.context : "",
			    parser.context != NULL ? ")" : "");
			if (err != NULL) {
				err->line = (int)parser.problem_mark.line + 1;
				err->column =
				    (int)parser.problem_mark.column + 1;
			}
		}
		goto out;
	}
	have_doc = 1;
	if ((root = libyaml.document_get_root_node(&doc)) == NULL) {
		r = pki_err(err, PKI_ERR_INPUT, "%s: empty: expected etcd's "
		    "configuration file", file);
		goto out;
	}
	if (root->type != YAML_MAPPING_NODE) {
		r = pki_err(err, PKI_ERR_INPUT, "%s: expected a mapping of "
		    "etcd settings (an etcd.conf.yml)", file);
		goto out;
	}
	for (pair = root->data.mapping.pairs.start;
	    pair < root->data.mapping.pairs.top; pair++) {
		k = libyaml.document_get_node(&doc, pair->key);
		v = libyaml.document_get_node(&doc, pair->value);
		if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE)
			continue;
		for (i = 0; yaml_keys[i] != NULL; i++)
			if (strcmp((const char *)k->data.scalar.value,
			    yaml_keys[i]) == 0)
				break;
		if (yaml_keys[i] == NULL)
			continue;
		if (v->type != YAML_SCALAR_NODE) {
			r = pki_err(err, PKI_ERR_INPUT, "%s:%zu: %s: expected "
			    "a string", file, k->start_mark.line + 1,
			    yaml_keys[i]);
			goto out;
		}
		if (yc->v[i] != NULL) {
			r = pki_err(err, PKI_ERR_INPUT, "%s:%zu: %s: duplicate "
			    "key", file, k->start_mark.line + 1, yaml_keys[i]);
			goto out;
		}
		val = (const char *)v->data.scalar.value;
		/* YAML null: the key is absent. */
		if (v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    (*val == '\0' || strcmp(val, "~") == 0 ||
		    strcasecmp(val, "null") == 0))
			continue;
		if (strlen(val) != v->data.scalar.length || pki_cl_has_ctrl(val)) {
			r = pki_err(err, PKI_ERR_INPUT, "%s:%zu: %s: must not "
			    "contain control characters", file,
			    k->start_mark.line + 1, yaml_keys[i]);
			goto out;
		}
		if ((yc->v[i] = strdup(val)) == NULL) {
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
			goto out;
		}
	}
	r = PKI_OK;
 out:
	if (have_doc)
		libyaml.document_delete(&doc);
	if (have_parser)
		libyaml.parser_delete(&parser);
	free(buf);
	return r;
}

/* A comma-separated URL list of a YAML file, checked, into out. */
static int
yaml_urls(struct init_state *st, const struct yaml_conf *yc, int key,
    int listen, struct pki_strv *out, struct init_member *m)
{
	struct pki_strv		 items = { NULL, 0 };
	struct pki_error	 e;
	struct pki_url		 u;
	const char		*host = u.host;
	unsigned char		 ip[16];
	size_t			 i, len;
	int			 r = PKI_ERR_INTERNAL;

	memset(&e, 0, sizeof(e));
	if ((r = split_commas(yc->v[key], &items)) != 0) {
		r = pki_err(st->err, r, "out of memory");
		goto out;
	}
	for (i = 0; i < items.n; i++) {
		if (pki_url_parse(items.v[i], 0, &u, &e) != PKI_OK) {
			r = pki_err(st->err, PKI_ERR_INPUT,
			    "%s: %s: \"%s\": %s", yc->file, yaml_keys[key],
			    items.v[i], e.text);
			goto out;
		}
		if (listen && pki_cl_ip_parse(host, ip, &len) != 1 &&
		    strcasecmp(host, "localhost") != 0) {
			r = pki_err(st->err, PKI_ERR_INPUT, "%s: %s: \"%s\": "
			    "etcd listens on IP addresses, not on host names",
			    yc->file, yaml_keys[key], items.v[i]);
			goto out;
		}
		if ((!pki_cl_strv_has(out, items.v[i], 0) &&
		    pki_strv_push(out, items.v[i]) != 0) ||
		    (m != NULL && init_add_host(m, host) != 0)) {
			r = pki_err(st->err, PKI_ERR_ALLOC, "out of memory");
			goto out;
		}
	}
	r = PKI_OK;
 out:
	pki_strv_clear(&items);
	return r;
}

/* 1 for 0.0.0.0 and :: (etcd listens on every address). */
static int
ip_unspecified(const unsigned char *ip, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (ip[i] != 0)
			return 0;
	return 1;
}

/* 1 for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
static int
ip_loopback(const unsigned char *ip, size_t len)
{
	static const unsigned char	mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0xff, 0xff };

	if (len == 4)
		return ip[0] == 127;
	if (len == 16 && memcmp(ip, mapped, 12) == 0)
		return ip[12] == 127;
	return len == 16 && ip_unspecified(ip, 15) && ip[15] == 1;
}

/*
 * The addresses m listens on for peers (listen-peer-urls) are its own: a
 * peer connects from one and needs it among its SANs; with advertised
 * URLs that name hosts, they are the only IP addresses an etcd.conf.yml
 * has.  0.0.0.0 and :: name no address; a loopback address is taken only
 * when m has no other.
 */
static int
init_listen_ips(struct init_member *m)
{
	struct pki_url	u;
	unsigned char	ip[16];
	size_t		i, len;
	int		loop, r;

	for (loop = 0; loop < 2 && (loop == 0 || m->ips.n == 0); loop++)
		for (i = 0; i < m->listen_peer_urls.n; i++) {
			if (pki_url_parse(m->listen_peer_urls.v[i], 0, &u,
			    NULL) != PKI_OK || pki_cl_ip_parse(u.host, ip,
			    &len) != 1 || ip_unspecified(ip, len) ||
			    ip_loopback(ip, len) != loop)
				continue;
			if ((r = init_add_host(m, u.host)) != PKI_OK)
				return r;
		}
	return PKI_OK;
}

/* Two optional strings are equal. */
static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* The members from etcd.conf.yml files (one per member). */
static int
init_yaml(struct init_state *st, const char *const *files, size_t n)
{
	struct yaml_conf	*yc = NULL;
	struct init_member	*m;
	struct pki_strv		 adv = { NULL, 0 };
	char			 label[PKI_JSON_PATH_MAX + 32];
	size_t			 i, j;
	int			 r = PKI_ERR_INTERNAL;

	if ((r = pki_dl_load(&yaml_lib, st->err)) != 0)
		return r;
	if ((yc = calloc(n, sizeof(*yc))) == NULL)
		return pki_err(st->err, PKI_ERR_ALLOC, "out of memory");
	for (i = 0; i < n; i++)
		if ((r = yaml_read(files[i], &yc[i], st->err)) != 0)
			goto out;
	for (i = 0; i < n; i++) {
		if (yc[i].v[Y_IC] == NULL) {
			r = pki_err(st->err, PKI_ERR_INPUT, "%s: "
			    "initial-cluster: missing (every file needs the "
			    "same initial-cluster)", files[i]);
			goto out;
		}
		if (i > 0 && !same(yc[i].v[Y_IC], yc[0].v[Y_IC])) {
			r = pki_err(st->err, PKI_ERR_INPUT, "%s: "
			    "initial-cluster: differs from %s's", files[i],
			    files[0]);
			goto out;
		}
		if (i > 0 && !same(yc[i].v[Y_TOKEN], yc[0].v[Y_TOKEN])) {
			r = pki_err(st->err, PKI_ERR_INPUT, "%s: "
			    "initial-cluster-token: differs from %s's",
			    files[i], files[0]);
			goto out;
		}
	}
	snprintf(label, sizeof(label), "%s: initial-cluster", files[0]);
	if ((r = init_initial_cluster(st, label, yc[0].v[Y_IC])) != 0)
		goto out;
	if (yc[0].v[Y_TOKEN] != NULL &&
	    (st->token = strdup(yc[0].v[Y_TOKEN])) == NULL) {
		r = pki_err(st->err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (yc[i].v[Y_NAME] == NULL) {
			r = pki_err(st->err, PKI_ERR_INPUT, "%s: name: missing",
			    files[i]);
			goto out;
		}
		if ((m = init_find(st, yc[i].v[Y_NAME])) == NULL) {
			r = pki_err(st->err, PKI_ERR_INPUT, "%s: name: \"%s\" "
			    "is not in initial-cluster", files[i],
			    yc[i].v[Y_NAME]);
			goto out;
		}
		if (m->file != NULL) {
			r = pki_err(st->err, PKI_ERR_INPUT, "%s: name: \"%s\" "
			    "is also the name in %s", files[i], m->name,
			    m->file);
			goto out;
		}
		m->file = files[i];
		if (yc[i].v[Y_IAPU] != NULL) {
			pki_strv_clear(&adv);
			if ((r = yaml_urls(st, &yc[i], Y_IAPU, 0, &adv,
			    m)) != 0)
				goto out;
			for (j = 0; j < adv.n; j++)
				if (!pki_cl_strv_has(&m->peer_urls, adv.v[j], 0)) {
					r = pki_err(st->err, PKI_ERR_INPUT,
					    "%s: initial-advertise-peer-urls: "
					    "\"%s\" is not among %s's URLs in "
					    "initial-cluster", files[i],
					    adv.v[j], m->name);
					goto out;
				}
			for (j = 0; j < m->peer_urls.n; j++)
				if (!pki_cl_strv_has(&adv, m->peer_urls.v[j], 0)) {
					r = pki_err(st->err, PKI_ERR_INPUT,
					    "%s: initial-advertise-peer-urls: "
					    "\"%s\" (initial-cluster) is "
					    "missing", files[i],
					    m->peer_urls.v[j]);
					goto out;
				}
		}
		if ((yc[i].v[Y_ACU] != NULL && (r = yaml_urls(st, &yc[i],
		    Y_ACU, 0, &m->client_urls, m)) != 0) ||
		    (yc[i].v[Y_LPU] != NULL && (r = yaml_urls(st, &yc[i],
		    Y_LPU, 1, &m->listen_peer_urls, NULL)) != 0) ||
		    (yc[i].v[Y_LCU] != NULL && (r = yaml_urls(st, &yc[i],
		    Y_LCU, 1, &m->listen_client_urls, NULL)) != 0))
			goto out;
		if ((r = init_listen_ips(m)) != PKI_OK) {
			r = pki_err(st->err, r, "out of memory");
			goto out;
		}
		if (yc[i].v[Y_DATA_DIR] != NULL && (m->data_dir =
		    strdup(yc[i].v[Y_DATA_DIR])) == NULL) {
			r = pki_err(st->err, PKI_ERR_ALLOC, "out of memory");
			goto out;
		}
	}
	r = PKI_OK;
 out:
	pki_strv_clear(&adv);
	for (i = 0; i < n; i++)
		yaml_conf_clear(&yc[i]);
	free(yc);
	return r;
}

/* A JSON array of strings (new reference); NULL if out of memory. */
static json_t *
strv_json(const struct pki_strv *sv)
{
	json_t	*a;
	size_t	 i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < sv->n; i++)
		if (pki_cl_arr_add_str(a, sv->v[i]) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* Sets key to the strings of sv unless it is empty; 0 or -1. */
static int
obj_set_strv(json_t *o, const char *key, const struct pki_strv *sv)
{
	if (sv->n == 0)
		return 0;
	return pki_cl_obj_set_new(o, key, strv_json(sv));
}

/* The members of st as JSON (new reference); NULL if out of memory. */
static json_t *
init_members_json(const struct init_state *st)
{
	const struct init_member	*m;
	json_t				*arr, *o;
	size_t				 i;

	if ((arr = json_array()) == NULL)
		return NULL;
	for (i = 0; i < st->n; i++) {
		m = &st->m[i];
		if ((o = json_object()) == NULL ||
		    json_array_append_new(arr, o) != 0 ||
		    pki_cl_obj_set_new(o, "name", json_string(m->name)) != 0 ||
		    obj_set_strv(o, "dns", &m->dns) != 0 ||
		    pki_cl_obj_set_new(o, "ips", strv_json(&m->ips)) != 0 ||
		    obj_set_strv(o, "peer_urls", &m->peer_urls) != 0 ||
		    obj_set_strv(o, "client_urls", &m->client_urls) != 0 ||
		    obj_set_strv(o, "listen_peer_urls",
		    &m->listen_peer_urls) != 0 ||
		    obj_set_strv(o, "listen_client_urls",
		    &m->listen_client_urls) != 0 ||
		    (m->data_dir != NULL && pki_cl_obj_set_new(o, "data_dir",
		    json_string(m->data_dir)) != 0)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* -key-algo values. */
static const struct {
	const char	*name;
	const char	*algo;
	int		 size;
} key_algos[] = {
	{ "ecdsa-256", "ecdsa", 256 },
	{ "ecdsa-384", "ecdsa", 384 },
	{ "ecdsa-521", "ecdsa", 521 },
	{ "rsa-2048", "rsa", 2048 },
	{ "rsa-3072", "rsa", 3072 },
	{ "rsa-4096", "rsa", 4096 },
	{ "ed25519", "ed25519", 0 },
};

/* The "key" object for a -key-algo value (new reference). */
static int
init_key(const char *algo, const char *def, json_t **out,
    struct pki_error *err)
{
	size_t	i, n = sizeof(key_algos) / sizeof(key_algos[0]);
	char	list[200];
	size_t	len = 0;

	*out = NULL;
	if (algo == NULL)
		algo = def;
	for (i = 0; i < n; i++)
		if (strcmp(algo, key_algos[i].name) == 0)
			break;
	if (i == n) {
		list[0] = '\0';
		for (i = 0; i < n && len < sizeof(list); i++)
			len += snprintf(list + len, sizeof(list) - len, "%s%s",
			    i == 0 ? "" : ", ", key_algos[i].name);
		return pki_err(err, PKI_ERR_KEY, "-key-algo: unknown key "
		    "\"%s\" (%s)", algo, list);
	}
	*out = key_algos[i].size == 0 ?
	    json_pack("{s:s}", "algo", key_algos[i].algo) :
	    json_pack("{s:s,s:i}", "algo", key_algos[i].algo, "size",
	    key_algos[i].size);
	if (*out == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	return PKI_OK;
}

/* The guide's example: three members on the documentation range. */
static int
init_example(struct init_state *st)
{
	struct init_member	*m;
	char			 name[16], dns[64], ip[32];
	int			 i;

	for (i = 1; i <= 3; i++) {
		snprintf(name, sizeof(name), "etcd%d", i);
		snprintf(dns, sizeof(dns), "etcd%d.example.internal", i);
		snprintf(ip, sizeof(ip), "192.0.2.%d", 10 + i);
		if ((m = init_add(st, name)) == NULL ||
		    pki_strv_push(&m->dns, name) != 0 ||
		    pki_strv_push(&m->dns, dns) != 0 ||
		    pki_strv_push(&m->ips, ip) != 0)
			return pki_err(st->err, PKI_ERR_ALLOC, "out of memory");
	}
	return PKI_OK;
}

/* Synthetic members m1..mN on 127.0.X.Y. */
static int
init_synthetic(struct init_state *st, long n)
{
	struct init_member	*nm;
	char			 name[32], ip[64];
	long			 i;

	if ((st->m = calloc((size_t)n, sizeof(*st->m))) == NULL)
		return pki_err(st->err, PKI_ERR_ALLOC, "out of memory");
	for (i = 1; i <= n; i++) {
		snprintf(name, sizeof(name), "m%ld", i);
		snprintf(ip, sizeof(ip), "127.0.%ld.%ld", (i - 1) / 254,
		    (i - 1) % 254 + 1);
		nm = &st->m[st->n];
		if ((nm->name = strdup(name)) == NULL)
			return pki_err(st->err, PKI_ERR_ALLOC, "out of memory");
		st->n++;
		if (pki_strv_push(&nm->ips, ip) != 0)
			return pki_err(st->err, PKI_ERR_ALLOC, "out of memory");
	}
	return PKI_OK;
}

/* The example's subject names (examples/guide/ca-csr.json and others). */
static json_t *
example_names(const char *ou)
{
	return json_pack("[{s:s,s:s,s:s,s:s,s:s}]", "C", "US", "L",
	    "San Francisco", "O", "etcd-pki example", "OU", ou, "ST",
	    "California");
}

/* -name / -token: free text. */
static int
init_text(const char *flag, const char *s, struct pki_error *err)
{
	if (*s == '\0')
		return pki_err(err, PKI_ERR_INPUT, "%s: must not be empty",
		    flag);
	if (pki_cl_has_ctrl(s))
		return pki_err(err, PKI_ERR_INPUT, "%s: must not contain "
		    "control characters", flag);
	return PKI_OK;
}

int
pki_cluster_init_json(const struct pki_cluster_init *in, char **json,
    struct pki_error *err)
{
	return pki_cluster_init(in, json, NULL, err);
}

int
pki_cluster_init(const struct pki_cluster_init *in, char **json,
    struct pki_cluster **out, struct pki_error *err)
{
	struct init_state	 st;
	struct pki_cluster	*cl = NULL;
	json_t			*root = NULL, *key = NULL, *ca = NULL;
	json_t			*names = NULL, *ca_names = NULL;
	char			*text = NULL, *name = NULL, *token = NULL;
	size_t			 i;
	int			 r = PKI_ERR_INTERNAL, example, synthetic;

	if (json != NULL)
		*json = NULL;
	if (out != NULL)
		*out = NULL;
	memset(&st, 0, sizeof(st));
	st.err = err;
	synthetic = in->members != 0;
	example = !synthetic && in->initial_cluster == NULL &&
	    in->nyaml == 0 && in->ips == NULL && in->dns == NULL;
	if ((in->name != NULL && (r = init_text("-name", in->name,
	    err)) != 0) ||
	    (in->token != NULL && (r = init_text("-token", in->token,
	    err)) != 0))
		goto out;
	if (synthetic) {
		if (in->members < 1 || in->members > CL_MEMBERS_MAX) {
			r = pki_err(err, PKI_ERR_ARG, "-members: %ld is out of "
			    "range (1..%d)", in->members, CL_MEMBERS_MAX);
			goto out;
		}
		if (in->initial_cluster != NULL || in->nyaml > 0 ||
		    in->ips != NULL || in->dns != NULL) {
			r = pki_err(err, PKI_ERR_ARG,
			    "-members makes synthetic members: it does not go "
			    "with -initial-cluster, -ips, -dns or "
			    "etcd.conf.yml files");
			goto out;
		}
		if ((r = init_synthetic(&st, in->members)) != 0)
			goto out;
	} else if (in->initial_cluster != NULL && in->nyaml > 0) {
		r = pki_err(err, PKI_ERR_ARG, "give -initial-cluster or "
		    "etcd.conf.yml files, not both (the files have "
		    "initial-cluster)");
		goto out;
	} else if (in->initial_cluster != NULL) {
		if ((r = init_initial_cluster(&st, "-initial-cluster",
		    in->initial_cluster)) != 0)
			goto out;
	} else if (in->nyaml > 0) {
		if ((r = init_yaml(&st, in->yaml, in->nyaml)) != 0)
			goto out;
	} else if (example && (r = init_example(&st)) != 0)
		goto out;
	if (in->ips != NULL && (r = init_host_flag(&st, "-ips", in->ips, 1,
	    in->initial_cluster == NULL && in->nyaml == 0)) != 0)
		goto out;
	if (in->dns != NULL && (r = init_host_flag(&st, "-dns", in->dns, 0,
	    in->initial_cluster == NULL && in->nyaml == 0)) != 0)
		goto out;
	if (st.n == 0) {
		r = pki_err(err, PKI_ERR_INPUT, "-ips: no members: give "
		    "MEMBER=IP pairs");
		goto out;
	}
	for (i = 0; i < st.n; i++)
		if (st.m[i].ips.n == 0) {
			r = pki_err(err, PKI_ERR_INPUT, "member \"%s\" has no "
			    "IP address: add one with -ips %s=ADDRESS",
			    st.m[i].name, st.m[i].name);
			goto out;
		}

	if ((name = strdup(in->name != NULL ? in->name : example ? "example" :
	    synthetic ? "fixtures" : CL_DEFAULT_NAME)) == NULL)
		goto nomem;
	if (in->token != NULL)
		token = strdup(in->token);
	else if (st.token != NULL)
		token = strdup(st.token);
	else if (asprintf(&token, "%s-token", name) < 0)
		token = NULL;
	if (token == NULL)
		goto nomem;
	if ((r = init_key(in->key_algo, example ? "rsa-2048" : "ecdsa-256",
	    &key, err)) != 0)
		goto out;
	if (example && ((names = example_names("etcd peers")) == NULL ||
	    (ca_names = example_names("CA")) == NULL))
		goto nomem;
	if ((ca = json_object()) == NULL)
		goto nomem;
	if (example) {
		if (pki_cl_obj_set_new(ca, "CN", json_string("etcd-pki example CA")) !=
		    0 || pki_cl_obj_set(ca, "names", ca_names) != 0)
			goto nomem;
	} else {
		free(text);
		if (asprintf(&text, "%s CA", name) < 0) {
			text = NULL;
			goto nomem;
		}
		if (pki_cl_obj_set_new(ca, "CN", json_string(text)) != 0)
			goto nomem;
		free(text);
		text = NULL;
	}
	if (pki_cl_obj_set_new(ca, "expiry", json_string(CL_CA_EXPIRY)) != 0)
		goto nomem;
	if ((root = json_object()) == NULL ||
	    pki_cl_obj_set_new(root, "name", json_string(name)) != 0 ||
	    pki_cl_obj_set_new(root, "token", json_string(token)) != 0 ||
	    pki_cl_obj_set(root, "ca", ca) != 0 ||
	    pki_cl_obj_set(root, "key", key) != 0 ||
	    (names != NULL && pki_cl_obj_set(root, "names", names) != 0) ||
	    pki_cl_obj_set_new(root, "signing", json_pack("{s:s}", "expiry",
	    CL_LEAF_EXPIRY)) != 0 ||
	    pki_cl_obj_set_new(root, "san_policy", json_string(synthetic ? "own" :
	    "all-members")) != 0 ||
	    pki_cl_obj_set_new(root, "local_sans", json_true()) != 0 ||
	    pki_cl_obj_set_new(root, "fragments", json_boolean(!synthetic)) != 0 ||
	    (example && pki_cl_obj_set_new(root, "data_dir",
	    json_string("/var/lib/etcd")) != 0) ||
	    pki_cl_obj_set_new(root, "members", init_members_json(&st)) != 0 ||
	    pki_cl_obj_set_new(root, "clients", json_pack("[{s:s}]", "name",
	    "admin")) != 0 ||
	    (text = pki_cl_dump_pretty(root)) == NULL)
		goto nomem;
	/* What init writes must parse. */
	if ((r = pki_cluster_parse(text, strlen(text), CL_INIT_SOURCE,
	    in->opts, &cl, err)) != 0)
		goto out;
	if (json != NULL) {
		*json = text;
		text = NULL;
	}
	if (out != NULL) {
		*out = cl;
		cl = NULL;
	}
	r = PKI_OK;
	goto out;
 nomem:
	r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
 out:
	pki_cluster_free(cl);
	init_clear(&st);
	json_decref(root);
	json_decref(key);
	json_decref(ca);
	json_decref(names);
	json_decref(ca_names);
	free(text);
	free(name);
	free(token);
	return r;
}
