/*
 * cluster.h: the parsed cluster description (etcd-pki-cluster(5)), shared
 * by cluster.c (parsing, defaults, derived texts), clinit.c (cluster
 * init), clissue.c (issuing) and clverify.c (checking).  Private to pki/.
 */
#ifndef PKI_CLUSTER_H
#define PKI_CLUSTER_H

#include <jansson.h>

#include "internal.h"

#define CL_DEFAULT_NAME		"etcd"
#define CL_CA_EXPIRY		"87600h"
#define CL_LEAF_EXPIRY		"43800h"
#define CL_CRL_EXPIRY		(720 * PKI_NS_PER_HOUR)	/* 30 days */
#define CL_NAME_MAX		63
#define CL_MEMBERS_MAX		10000
#define CL_INIT_SOURCE		"<generated description>"

/* One etcd member, with every default applied. */
struct pki_cluster_member {
	char		*name;		/* [A-Za-z0-9][A-Za-z0-9._-]*, unique */
	struct pki_strv	 dns;		/* DNS names, file order, unique */
	struct pki_strv	 ips;		/* IP addresses as written, >= 1 */
	struct pki_strv	 peer_urls;	/* advertised (https) */
	struct pki_strv	 client_urls;	/* advertised (https) */
	struct pki_strv	 listen_peer_urls;
	struct pki_strv	 listen_client_urls;
	struct pki_url	*peer_url_parts;	/* peer_urls parsed */
	struct pki_url	*client_url_parts;	/* client_urls parsed */
	char		*data_dir;	/* NULL: not in the fragment */
	int		 key_format;	/* PKI_KEY_FMT_* of its key */
	int		 existing;	/* initial_cluster_state "existing" */
	struct pki_owner owner;		/* owner, group, key_mode (with the
					   top level's) */
};

/*
 * One leaf certificate to issue: a member's peer certificate (members
 * first, in file order) or a client certificate (after them).
 */
struct pki_cluster_leaf {
	char			 *name;		/* file base name */
	char			 *dir;		/* "etcd1" or "clients/admin" */
	int			  member;	/* index in members, or -1 */
	char			 *csr_json;	/* guide-shaped CSR JSON text */
	struct pki_csr		 *csr;		/* parsed from csr_json */
	const struct pki_profile *profile;	/* borrowed from config */
	int			  key_format;	/* PKI_KEY_FMT_* of its key */
	struct pki_owner	  owner;	/* owner, group, key_mode (with
						   the top level's) */
};

struct pki_cluster {
	char			 *source;
	char			 *basedir;	/* directory of source, or "." */
	char			 *name;		/* cluster name */
	char			 *token;	/* initial-cluster-token */
	/* The CA: created from ca_csr unless cert_file/key_file are set. */
	char			 *ca_csr_json;	/* CSR JSON text with "ca" */
	struct pki_csr		 *ca_csr;
	char			 *ca_cert_file;	/* resolved, or NULL */
	char			 *ca_key_file;	/* resolved, or NULL */
	/* Signing: the cfssl configuration and the two profile names. */
	struct pki_config	 *config;
	char			 *peer_profile;
	char			 *client_profile;
	int64_t			  crl_expiry;	/* ns: the CRL's lifetime */
	int			  san_own;	/* san_policy "own" */
	int			  local_sans;	/* add localhost, 127.0.0.1, ::1 */
	int			  fragments;	/* write etcd.conf.yml, etcdctl.env */
	char			 *pki_dir;	/* install path, or NULL */
	char			 *config_dir;	/* a node's /etc/etcd, or NULL */
	char			 *etcdctl_env;	/* a node's etcdctl env file, or
						   NULL */
	char			 *data_dir;	/* cluster default, or NULL */
	int			  key_format;	/* default PKI_KEY_FMT_* */
	struct pki_owner	  owner;	/* top level: owner, group,
						   key_mode of every key */
	struct pki_cluster_member *members;
	size_t			  nmembers;
	struct pki_cluster_leaf	 *leaves;	/* members, then clients */
	size_t			  nleaves;
};

/*
 * The etcd.conf.yml fragment of member i: name, data-dir (when set),
 * URLs, initial-cluster, token, state "new", enable-grpc-gateway, and
 * client- and peer-transport-security with client-cert-auth.  Certificate
 * paths are pki_dir + "/" + file name.  *out is malloc'ed text.
 */
int	pki_cluster_etcd_conf(const struct pki_cluster *cl, size_t member,
	    const char *pki_dir, char **out, struct pki_error *err)
	    PKI_MUST_CHECK;

/*
 * The etcd.env fragment of member i: the settings of its etcd.conf.yml as
 * ETCD_* variables, one "VAR='value'" line each (systemd's EnvironmentFile
 * and sh both read it), and, with crl, ETCD_CLIENT_CRL_FILE and
 * ETCD_PEER_CRL_FILE naming pki_dir/crl.der.  *out is malloc'ed text.
 */
int	pki_cluster_etcd_env(const struct pki_cluster *cl, size_t member,
	    const char *pki_dir, int crl, char **out, struct pki_error *err)
	    PKI_MUST_CHECK;

/*
 * The etcdctl.env of leaf i (ETCDCTL_API=3, ETCDCTL_ENDPOINTS = every
 * member's client URLs, ETCDCTL_CACERT, ETCDCTL_CERT, ETCDCTL_KEY under
 * pki_dir), as "export VAR='value'" lines.  *out is malloc'ed text.
 */
/*
 * The kube-apiserver.flags of client leaf i: --etcd-servers (every
 * member's client URLs), --etcd-cafile, --etcd-certfile and
 * --etcd-keyfile under pki_dir, one flag a line as kube-apiserver takes
 * them.  *out is malloc'ed text.
 */
int	pki_cluster_kube_flags(const struct pki_cluster *cl, size_t leaf,
	    const char *pki_dir, char **out, struct pki_error *err)
	    PKI_MUST_CHECK;
int	pki_cluster_etcdctl_env(const struct pki_cluster *cl, size_t leaf,
	    const char *pki_dir, char **out, struct pki_error *err)
	    PKI_MUST_CHECK;

/* ---- checks and JSON helpers of cluster.c that clinit.c uses too --- */

/* Returns 1 if s has a control character (it would break YAML or sh). */
int	pki_cl_has_ctrl(const char *s);
/* Member and client names: [A-Za-z0-9][A-Za-z0-9._-]*, at most 63. */
int	pki_cl_valid_name(const char *s);
/* DNS names in dns lists: letters, digits, '.', '-', '_', '*'. */
int	pki_cl_valid_dns(const char *s);
/*
 * Parses s as an IP address the way the SAN code does (Go's net.ParseIP).
 * Returns 1 and fills ip/len for an address, 0 for anything else, or a
 * negative error.
 */
int	pki_cl_ip_parse(const char *s, unsigned char ip[16], size_t *len);
/* Returns 1 if sv holds s (exactly, or ignoring case with icase). */
int	pki_cl_strv_has(const struct pki_strv *sv, const char *s, int icase);
/* Returns 1 if the IP sv holds s, written alike or not. */
int	pki_cl_strv_has_ip(const struct pki_strv *sv, const char *s);
/* Sets key (a new reference is taken) in obj; 0 or -1. */
int	pki_cl_obj_set(json_t *obj, const char *key, json_t *v);
/* Sets key in obj, stealing v; 0 or -1. */
int	pki_cl_obj_set_new(json_t *obj, const char *key, json_t *v);
/* Appends host (a copy) to arr; 0 or -1. */
int	pki_cl_arr_add_str(json_t *arr, const char *host);
/* A JSON text, 4-space indented, ending in a newline; NULL if no memory. */
char	*pki_cl_dump_pretty(const json_t *v);

#endif /* PKI_CLUSTER_H */
