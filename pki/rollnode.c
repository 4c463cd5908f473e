/*
 * rollnode.c: a node's own way to its cluster for "-restart rolling"
 * without the cluster description: the endpoints and TLS files etcdctl
 * uses there (the guide's /etc/profile.d/etcdctl.sh exports them as
 * ETCDCTL_ENDPOINTS, ETCDCTL_CACERT, ETCDCTL_CERT and ETCDCTL_KEY), or
 * flags with the same meaning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The flag's value, else the variable's; NULL when neither is set. */
static const char *
node_value(const char *flag, const char *var)
{
	const char	*v;

	if (flag != NULL)
		return flag;
	v = getenv(var);
	return v != NULL && *v != '\0' ? v : NULL;
}

/* One endpoint ("https://HOST:PORT", or HOST:PORT as etcdctl takes it). */
static int
node_endpoint(struct pki_roll_node *node, const char *ep, size_t len,
    struct pki_error *err)
{
	struct pki_url	 u;
	char		*url = NULL, **v;

	if (len > 0 && memmem(ep, len, "://", 3) == NULL) {
		if (asprintf(&url, "https://%.*s", (int)len, ep) == -1)
			url = NULL;
	} else
		url = strndup(ep, len);
	if (url == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	if (pki_url_parse(url, PKI_URL_LAX, &u, err) != PKI_OK ||
	    strcmp(u.scheme, "https") != 0) {
		pki_err(err, PKI_ERR_ARG, "endpoint \"%s\": %s", url,
		    strcmp(u.scheme, "https") != 0 ? "needs https (etcd-pki "
		    "reaches etcd with the node's client certificate)" :
		    err->text);
		free(url);
		return PKI_ERR_ARG;
	}
	if ((v = reallocarray(node->endpoints, node->nendpoints + 2,
	    sizeof(*v))) == NULL) {
		free(url);
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	}
	node->endpoints = v;
	v[node->nendpoints++] = url;
	v[node->nendpoints] = NULL;
	return PKI_OK;
}

int
pki_roll_node_init(struct pki_roll_node *node, const char *endpoints,
    const char *cacert, const char *cert, const char *key,
    struct pki_error *err)
{
	const char	*e, *p, *comma;
	int		 r;

	memset(node, 0, sizeof(*node));
	if ((e = node_value(endpoints, "ETCDCTL_ENDPOINTS")) == NULL)
		return pki_err(err, PKI_ERR_ARG, "-restart rolling without "
		    "-cluster reaches the cluster as etcdctl does on this "
		    "node: set ETCDCTL_ENDPOINTS, ETCDCTL_CACERT, ETCDCTL_CERT "
		    "and ETCDCTL_KEY (source the node's etcdctl.env) or give "
		    "-etcd-endpoints, -etcd-cacert, -etcd-cert and -etcd-key");
	for (p = e; *p != '\0'; p = *comma != '\0' ? comma + 1 : comma) {
		if ((comma = strchr(p, ',')) == NULL)
			comma = p + strlen(p);
		if (comma > p && (r = node_endpoint(node, p, (size_t)(comma -
		    p), err)) != PKI_OK) {
			pki_roll_node_clear(node);
			return r;
		}
	}
	if (node->nendpoints == 0)
		return pki_err(err, PKI_ERR_ARG, "ETCDCTL_ENDPOINTS: no "
		    "endpoint in \"%s\"", e);
	node->ca_file = node_value(cacert, "ETCDCTL_CACERT");
	node->cert_file = node_value(cert, "ETCDCTL_CERT");
	node->key_file = node_value(key, "ETCDCTL_KEY");
	if (node->ca_file == NULL || node->cert_file == NULL ||
	    node->key_file == NULL) {
		pki_roll_node_clear(node);
		return pki_err(err, PKI_ERR_ARG, "-restart rolling without "
		    "-cluster needs the node's etcdctl TLS files: "
		    "ETCDCTL_CACERT, ETCDCTL_CERT and ETCDCTL_KEY (or "
		    "-etcd-cacert, -etcd-cert and -etcd-key)");
	}
	return PKI_OK;
}

void
pki_roll_node_clear(struct pki_roll_node *node)
{
	size_t	i;

	if (node == NULL)
		return;
	for (i = 0; i < node->nendpoints; i++)
		free(node->endpoints[i]);
	free(node->endpoints);
	memset(node, 0, sizeof(*node));
}
