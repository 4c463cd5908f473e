/*
 * t-export.c: the ustar writer (pki/tar.c) and pki_cluster_export
 * (pki/clexport.c): headers a tar reads (checksum, prefix split, sizes,
 * padding, the end), refusals, and what an export holds and never holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "tar.h"
#include "../tap.h"
#include "fixture.h"

#define BLK	512

/* The header at off is one a tar accepts: its checksum adds up. */
static int
sum_ok(const unsigned char *h)
{
	unsigned long	sum = 0, want;
	size_t		i;

	for (i = 0; i < BLK; i++)
		sum += i >= 148 && i < 156 ? ' ' : h[i];
	want = strtoul((const char *)h + 148, NULL, 8);
	return sum == want;
}

static void
test_tar(void)
{
	struct pki_buf		 tb;
	struct pki_tar_file	 f;
	struct pki_error	 err;
	char			 lng[300];
	const unsigned char	*h;

	memset(&tb, 0, sizeof(tb));
	memset(&f, 0, sizeof(f));
	f.path = "etc/etcd/pki/etcd1.pem";
	f.data = "hello\n";
	f.len = 6;
	f.mode = 0644;
	f.uname = "etcd";
	f.gname = "etcd";
	f.uid = 102;
	f.gid = 105;
	f.mtime = 1700000000;
	is_int(pki_tar_add(&tb, &f, &err), 0, "tar: one file");
	is_int((long long)tb.len, 2 * BLK, "... a header and one padded block");
	h = (const unsigned char *)tb.b;
	is_str((const char *)h, "etc/etcd/pki/etcd1.pem", "... its name");
	is_str((const char *)h + 257, "ustar", "... ustar magic");
	ok(memcmp(h + 263, "00", 2) == 0 && h[156] == '0',
	    "... version 00, a regular file");
	is_str((const char *)h + 100, "0000644", "... mode");
	is_str((const char *)h + 124, "00000000006", "... size");
	is_str((const char *)h + 265, "etcd", "... owner name");
	ok(sum_ok(h), "... the checksum adds up");
	ok(memcmp(tb.b + BLK, "hello\n", 6) == 0 && tb.b[BLK + 6] == '\0' &&
	    tb.b[2 * BLK - 1] == '\0', "... the contents, zero-padded");

	memset(lng, 'd', sizeof(lng));
	memcpy(lng, "etc/", 4);
	lng[120] = '/';
	memcpy(lng + 121, "key.pem", 8);
	f.path = lng;
	is_int(pki_tar_add(&tb, &f, &err), 0, "a 128-byte path: prefix + name");
	h = (const unsigned char *)tb.b + 2 * BLK;
	is_str((const char *)h, "key.pem", "... the name part");
	ok(strlen((const char *)h + 345) == 120 && sum_ok(h),
	    "... the prefix part, the checksum");
	lng[120] = 'd';
	lng[200] = '\0';
	is_int(pki_tar_add(&tb, &f, &err), PKI_ERR_ARG,
	    "a 200-byte last component: refused");
	f.path = "/etc/passwd";
	is_int(pki_tar_add(&tb, &f, &err), PKI_ERR_ARG, "an absolute path: "
	    "refused");
	f.path = "etc/x";
	f.uname = "a-user-name-of-more-than-31-chars";
	is_int(pki_tar_add(&tb, &f, &err), PKI_ERR_ARG, "a long owner name: "
	    "refused");
	is_int((long long)tb.len, 3 * BLK + BLK, "... nothing appended then");
	is_int(pki_tar_end(&tb, &err), 0, "tar end");
	is_int((long long)tb.len, 6 * BLK, "... two zero blocks");
	free(tb.b);
}

static const char desc[] =
    "{\"name\": \"x\", \"key\": {\"algo\": \"ecdsa\", \"size\": 256},"
    " \"members\": ["
    "  {\"name\": \"m1\", \"ips\": [\"192.0.2.1\"]},"
    "  {\"name\": \"m2\", \"ips\": [\"192.0.2.2\"]}],"
    " \"clients\": [{\"name\": \"admin\"}]}";

/* Whether the archive holds the member path p. */
static int
holds(const struct pki_cluster_exported *x, const char *p)
{
	size_t	i;

	for (i = 0; i < x->npaths; i++)
		if (strcmp(x->paths[i], p) == 0)
			return 1;
	return 0;
}

static void
test_export(void)
{
	struct pki_cluster		*cl = fx_cluster(desc);
	struct pki_cluster_export	 q;
	struct pki_cluster_exported	 x;
	struct pki_issue_opts		 io;
	struct pki_error		 err;
	const char			*d = fx_dir("pki");
	char				*other_key;
	size_t				 i;
	int				 other = 0;

	memset(&io, 0, sizeof(io));
	memset(&q, 0, sizeof(q));
	io.jobs = 1;
	io.no_sync = 1;
	if (pki_cluster_issue(cl, d, &io, &err) != 0)
		diag("issue: %s", err.text);
	q.cl = cl;
	q.dir = d;
	q.name = "m2";
	q.owner = "etcd";
	q.now = 1700000000;
	is_int(pki_cluster_export(&q, &x, &err), 0, "export m2");
	ok(x.member == 1 && x.npaths == 11 && x.len % BLK == 0,
	    "... a member: 11 files, whole blocks");
	ok(holds(&x, "/etc/etcd/pki/m2-key.pem") &&
	    holds(&x, "/etc/etcd/etcd.env") &&
	    holds(&x, "/etc/profile.d/etcdctl.sh") &&
	    strcmp(x.paths[x.npaths - 1], "/etc/etcd/pki/m2-export.sha256") ==
	    0, "... the defaults' paths, the manifest last");
	for (i = 0; i < x.npaths; i++)
		if (strstr(x.paths[i], "m1") != NULL ||
		    strstr(x.paths[i], "ca-key") != NULL ||
		    strstr(x.paths[i], "admin") != NULL)
			other = 1;
	ok(!other && memmem(x.tar, x.len, "etc/etcd/pki/ca-key.pem", 23) ==
	    NULL, "... no other leaf's file, no CA key");
	ok(memmem(x.tar, x.len, "'/etc/etcd/pki/m2.pem'", 22) != NULL &&
	    memmem(x.tar, x.len, d, strlen(d)) == NULL,
	    "... the fragments name the node's paths, never the tree's");
	pki_cluster_exported_clear(&x);
	ok(x.tar == NULL && x.paths == NULL, "exported_clear");

	q.name = "admin";
	is_int(pki_cluster_export(&q, &x, &err), 0, "export a client");
	ok(x.member == 0 && x.npaths == 8 && !holds(&x, "/etc/etcd/etcd.env") &&
	    holds(&x, "/etc/etcd/pki/kube-apiserver.flags") &&
	    memmem(x.tar, x.len, "--etcd-keyfile=/etc/etcd/pki/admin-key.pem",
	    42) != NULL,
	    "... its key material, etcdctl.sh and kube-apiserver.flags for the "
	    "node's paths, no etcd fragments");
	pki_cluster_exported_clear(&x);
	q.unit = 1;
	is_int(pki_cluster_export(&q, &x, &err), PKI_ERR_ARG,
	    "-unit for a client: refused");
	q.name = "m1";
	q.owner = NULL;
	is_int(pki_cluster_export(&q, &x, &err), PKI_ERR_ARG,
	    "-unit without an owner: refused");
	q.unit = 0;
	q.name = "m9";
	is_int(pki_cluster_export(&q, &x, &err), PKI_ERR_INPUT,
	    "an unknown name: refused");
	is_str(err.text, "desc.json: no member or client named \"m9\"",
	    "... naming the description");
	ok(x.tar == NULL && x.npaths == 0, "... and nothing handed back");
	q.name = "m1";
	q.dir = fx_dir("empty");
	is_int(pki_cluster_export(&q, &x, &err), PKI_ERR_IO,
	    "a directory cluster issue did not fill: refused");
	other_key = fx_read(fx_path(d, "m2/m2-key.pem"));
	fx_put(fx_path(d, "m1/m1-key.pem"), other_key, 0600);
	free(other_key);
	q.dir = d;
	is_int(pki_cluster_export(&q, &x, &err), PKI_ERR_MISMATCH,
	    "a key that does not match its certificate: refused");
	pki_cluster_free(cl);
}

int
main(void)
{
	test_tar();
	test_export();
	return done_testing();
}
