/*
 * fuzz-cluster: a cluster description as "cluster issue", "cluster
 * verify" and "cluster config" read it (pki_cluster_parse, normal and
 * strict, then every leaf), and the same bytes as an etcd.conf.yml for
 * "cluster init -yaml" (pki_cluster_init, which reads a file: the input
 * is written to a temporary one).
 *
 * The description's relative paths (signing.config) are resolved from
 * the current directory: fuzz/smoke.sh runs the targets where
 * ../config/signing.json exists, as it does for tests/data/cluster.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pki.h"
#include "fuzz.h"

static void
parse(const char *buf, size_t len, int strict)
{
	struct pki_parse_opts		 po;
	struct pki_error		 err;
	struct pki_cluster		*cl = NULL;
	struct pki_cluster_leaf_info	 li;
	char				 desc[64];
	size_t				 i, n, j, warned = 0;

	memset(&err, 0, sizeof(err));
	memset(&po, 0, sizeof(po));
	po.strict = strict;
	po.warn = fuzz_warn;
	po.warn_arg = &warned;
	if (pki_cluster_parse(buf, len, "fuzz-cluster.json", &po, &cl,
	    &err) != 0) {
		(void)strlen(err.text);
		goto out;
	}
	n = pki_cluster_nleaves(cl);
	for (i = 0; i < n; i++) {
		memset(&li, 0, sizeof(li));
		pki_cluster_leaf(cl, i, &li);
		(void)strlen(li.name);
		(void)strlen(li.dir);
		for (j = 0; j < pki_csr_nhosts(li.csr); j++)
			(void)strlen(pki_csr_host(li.csr, j));
		pki_csr_key_desc(li.csr, desc, sizeof(desc));
		(void)pki_profile_is_remote(li.profile);
	}
	if (pki_cluster_ca_key_file(cl) != NULL)
		(void)strlen(pki_cluster_ca_key_file(cl));
	if (pki_cluster_ca_cert_file(cl) != NULL)
		(void)strlen(pki_cluster_ca_cert_file(cl));
 out:
	pki_cluster_free(cl);
}

static void
init_yaml(const uint8_t *data, size_t size)
{
	struct pki_cluster_init	 in;
	struct pki_error	 err;
	struct pki_cluster	*cl = NULL;
	const char		*yaml[1];
	const char		*tmp;
	char			 path[4096];
	char			*json = NULL;
	size_t			 off;
	ssize_t			 w;
	int			 fd = -1;

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	if ((size_t)snprintf(path, sizeof(path), "%s/fuzz-cluster.XXXXXX",
	    tmp) >= sizeof(path))
		return;
	if ((fd = mkstemp(path)) == -1)
		return;
	for (off = 0; off < size; off += (size_t)w)
		if ((w = write(fd, data + off, size - off)) <= 0)
			goto out;
	memset(&in, 0, sizeof(in));
	memset(&err, 0, sizeof(err));
	yaml[0] = path;
	in.yaml = yaml;
	in.nyaml = 1;
	if (pki_cluster_init(&in, &json, &cl, &err) != 0)
		(void)strlen(err.text);
	else
		(void)strlen(json);
 out:
	free(json);
	pki_cluster_free(cl);
	if (fd != -1) {
		close(fd);
		unlink(path);
	}
}

FUZZ_ENTRY(cluster)
{
	char	*buf;

	if ((buf = fuzz_copy(data, size)) == NULL)
		return 0;
	parse(buf, size, 0);
	parse(buf, size, 1);
	free(buf);
	init_yaml(data, size);
	return 0;
}
