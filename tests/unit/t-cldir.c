/*
 * t-cldir.c: the model of a cluster directory (pki/cldir.c): the CA's
 * and a rotation's paths, the enumeration of leaves and their parsed
 * URLs, trust bundles, the one CA loader (its checks and messages) and
 * the notes and date texts of pki/note.c.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "clpriv.h"
#include "../tap.h"
#include "fixture.h"

#define DESC	"{\"members\": [" \
	"{\"name\": \"etcd1\", \"ips\": [\"10.0.0.1\"]}," \
	"{\"name\": \"etcd2\", \"ips\": [\"fd00::2\"]}]," \
	" \"clients\": [{\"name\": \"admin\"}]}"
#define DESC_EXT "{\"ca\": {\"cert_file\": \"/x/ca.pem\", \"key_file\": " \
	"\"/x/ca-key.pem\"}, \"members\": [{\"name\": \"etcd1\", \"ips\": " \
	"[\"10.0.0.1\"]}]}"

static char	notes[8192];

static void
collect(void *arg, const struct pki_note *n)
{
	size_t	len = strlen(notes);

	(void)arg;
	snprintf(notes + len, sizeof(notes) - len, "%d|%s|%s|%s\n", n->kind,
	    n->event != NULL ? n->event : "", n->label != NULL ? n->label :
	    "", n->text);
}

static const struct pki_notify	nt = { collect, NULL };

/* pki_cldir_ca_path as a string (static). */
static const char *
capath(const struct pki_cluster *cl, int which, int key)
{
	static char		 buf[256];
	struct pki_error	 err;
	char			*p = NULL;

	if (pki_cldir_ca_path(cl, "D", which, key, &p, &err) != 0)
		return "error";
	snprintf(buf, sizeof(buf), "%s", p);
	free(p);
	return buf;
}

static void
test_paths(void)
{
	struct pki_cluster	*cl = fx_cluster(DESC);
	struct pki_cluster	*ext = fx_cluster(DESC_EXT);
	struct pki_error	 err;
	char			*p = NULL;

	is_str(capath(cl, PKI_CA_CUR, 0), "D/ca.pem", "CA certificate");
	is_str(capath(cl, PKI_CA_CUR, 1), "D/ca-key.pem", "CA key");
	is_str(capath(NULL, PKI_CA_CUR, 1), "D/ca-key.pem", "no description");
	is_str(capath(cl, PKI_CA_NEXT, 0), "D/ca-next.pem", "next CA");
	is_str(capath(cl, PKI_CA_NEXT, 1), "D/ca-next-key.pem", "next key");
	is_str(capath(cl, PKI_CA_PREV, 0), "D/ca-prev.pem", "previous CA");
	is_str(capath(cl, PKI_CA_PREV, 1), "D/ca-prev-key.pem", "previous key");
	is_str(capath(ext, PKI_CA_CUR, 0), "/x/ca.pem", "external CA file");
	is_str(capath(ext, PKI_CA_CUR, 1), "/x/ca-key.pem", "external key");
	is_str(capath(ext, PKI_CA_NEXT, 0), "D/ca-next.pem",
	    "a rotation's CA is in DIR even with an external CA");
	is_int(pki_cldir_ca_path(cl, "D", 7, 0, &p, &err), PKI_ERR_ARG,
	    "unknown CA: refused");
	ok(pki_cldir_retired_path("D", "0a1b", 1, &p, &err) == 0 &&
	    strcmp(p, "D/ca-retired-0a1b-key.pem") == 0, "retired key path");
	free(p);
	pki_cluster_free(cl);
	pki_cluster_free(ext);
}

static void
test_leaves(void)
{
	struct pki_cluster	*cl = fx_cluster(DESC);
	struct pki_cldir_leaf	*v = NULL;
	struct pki_error	 err;
	size_t			 n = 0;

	is_int(pki_cldir_leaves(cl, "D", NULL, &v, &n, &err), 0, "leaves");
	is_int((long long)n, 3, "members and clients");
	is_str(v[0].name, "etcd1", "members first, in order");
	is_str(v[0].dir, "D/etcd1", "a member's directory");
	ok(v[0].member && v[1].member && !v[2].member, "member flags");
	is_str(v[2].label, "clients/admin", "a client's label");
	is_str(v[2].dir, "D/clients/admin", "a client's directory");
	ok(v[2].client_url == NULL && v[2].peer_url == NULL,
	    "a client has no URLs");
	ok(v[1].client_url != NULL && strstr(v[1].client_url, "[fd00::2]") !=
	    NULL, "a member's client URL (%s)", v[1].client_url);
	ok(v[0].client_url_parts != NULL &&
	    strcmp(v[0].client_url_parts->host, "10.0.0.1") == 0 &&
	    strcmp(v[0].client_url_parts->port, "2379") == 0,
	    "the client URL parsed: host and port");
	ok(v[1].peer_url_parts != NULL && v[1].peer_url_parts->ipv6 &&
	    strcmp(v[1].peer_url_parts->host, "fd00::2") == 0 &&
	    v[1].peer_url_parts->port_num == 2380,
	    "the peer URL parsed: an IPv6 address without brackets");
	ok(v[2].client_url_parts == NULL && v[2].peer_url_parts == NULL,
	    "a client has no parsed URLs");
	ok(v[0].csr != NULL && v[0].profile != NULL, "CSR JSON and profile");
	is_int((long long)v[2].index, 2, "index into the description");
	pki_cldir_leaves_free(v, n);
	is_int(pki_cldir_leaves(cl, "D", "etcd2", &v, &n, &err), 0, "one");
	ok(n == 1 && strcmp(v[0].name, "etcd2") == 0, "only the member asked");
	pki_cldir_leaves_free(v, n);
	is_int(pki_cldir_leaves(cl, "D", "nope", &v, &n, &err), 0, "none");
	is_int((long long)n, 0, "an unknown name: no leaf");
	pki_cldir_leaves_free(v, n);
	pki_cluster_free(cl);
}

static void
test_bundle(const struct fx_ca *a, const struct fx_ca *b)
{
	struct pki_error	 err;
	char			 text[8192], **v = NULL;
	size_t			 n = 0;

	snprintf(text, sizeof(text), "# a bundle\n%s\n%s", a->pem, b->pem);
	is_int(pki_bundle_split(text, strlen(text), "b.pem", &v, &n, &err), 0,
	    "bundle: split");
	ok(n == 2 && strcmp(v[0], a->pem) == 0 && strcmp(v[1], b->pem) == 0,
	    "bundle: canonical PEMs in order");
	pki_strv_free(v, n);
	snprintf(text, sizeof(text), "%s-----BEGIN CERTIFICATE-----\nxx\n"
	    "-----END CERTIFICATE-----\n", a->pem);
	ok(pki_bundle_split(text, strlen(text), "b.pem", &v, &n, &err) != 0 &&
	    v == NULL, "bundle: a broken certificate fails (%s)", err.text);
}

static void
test_loader(const struct fx_ca *a, const struct fx_ca *b)
{
	const char		*d = fx_dir("ca");
	struct pki_ca		*ca = NULL;
	struct pki_error	 err;
	const char		*cp = fx_path(d, "ca.pem");
	const char		*kp = fx_path(d, "ca-key.pem");
	char			 spec[4200];

	memset(&err, 0, sizeof(err));
	is_int(pki_ca_load(cp, kp, PKI_CA_ABSENT_OK, NULL, &nt, &ca, &err), 0,
	    "absent CA: ok with PKI_CA_ABSENT_OK");
	ok(ca == NULL, "absent CA: none");
	ok(pki_ca_load(cp, kp, 0, NULL, &nt, &ca, &err) == PKI_ERR_IO &&
	    strstr(err.text, "ca.pem") != NULL, "absent CA: an error otherwise "
	    "(%s)", err.text);
	fx_put(cp, a->pem, 0644);
	ok(pki_ca_load(cp, kp, PKI_CA_ABSENT_OK, NULL, &nt, &ca, &err) != 0 &&
	    strstr(err.text, "ca-key.pem: missing (") != NULL,
	    "key missing: says so (%s)", err.text);
	is_int(pki_ca_load(cp, kp, PKI_CA_KEY_OPTIONAL, NULL, &nt, &ca, &err), 0,
	    "key optional");
	ok(ca != NULL && ca->key == NULL && ca->cert != NULL &&
	    strcmp(ca->canon, a->pem) == 0, "certificate only, canonical PEM");
	pki_ca_free(ca);
	ca = NULL;
	fx_put(kp, b->keypem, 0600);
	ok(pki_ca_load(cp, kp, 0, NULL, &nt, &ca, &err) == PKI_ERR_MISMATCH &&
	    strstr(err.text, "ca-key.pem: CA key does not match the CA "
	    "certificate") != NULL, "a key of another CA: refused (%s)",
	    err.text);
	notes[0] = '\0';
	fx_put(kp, a->keypem, 0644);
	is_int(pki_ca_load(cp, kp, PKI_CA_MUST_BE_CA, NULL, &nt, &ca, &err), 0,
	    "a CA and its key");
	ok(strstr(notes, "4|||warning: ") != NULL && strstr(notes,
	    "ca-key.pem: mode 0644: readable by group or others") != NULL,
	    "a readable key file: a warning (%s)", notes);
	ok(ca != NULL && ca->key != NULL && ca->keypem != NULL &&
	    strcmp(ca->keypem, a->keypem) == 0 && ca->f.is_ca,
	    "key bytes and facts");
	pki_ca_free(ca);
	notes[0] = '\0';
	fx_put(kp, a->keypem, 0600);
	pki_key_mode_warn(&nt, kp);
	is_str(notes, "", "a key file only its owner reads: no warning");
	fx_put(kp, a->keypem, 0604);
	pki_key_mode_warn(&nt, kp);
	ok(strstr(notes, "ca-key.pem: mode 0604: readable by group or "
	    "others") != NULL, "readable by others: a warning (%s)", notes);
	notes[0] = '\0';
	snprintf(spec, sizeof(spec), "file:%s", kp);
	pki_key_mode_warn(&nt, spec);
	ok(strstr(notes, "ca-key.pem: mode 0604: readable by group or "
	    "others") != NULL, "file:PATH: the same warning (%s)", notes);
	notes[0] = '\0';
	pki_key_mode_warn(&nt, "env:NO_SUCH_FILE_EITHER");
	pki_key_mode_warn(&nt, "-");
	is_str(notes, "", "env:VAR and -: no file, no warning");
}

static void
test_notes(void)
{
	struct pki_error	err;
	char			buf[64];

	notes[0] = '\0';
	pki_note(&nt, PKI_NOTE_OUT, "etcd1", "renewed: %d", 7);
	pki_note_step(&nt, "locked", "etcd1", "etcd1", "taken");
	memset(&err, 0, sizeof(err));
	pki_note_err(&nt, NULL, &err, PKI_ERR_ALLOC);
	pki_note(NULL, PKI_NOTE_OUT, NULL, "dropped");
	is_str(notes, "0||etcd1|renewed: 7\n2|locked|etcd1|taken\n"
	    "4|||out of memory\n", "notes");
	pki_time_format(1700000000, buf, sizeof(buf));
	is_str(buf, "2023-11-14T22:13:20Z", "date");
	pki_time_left(3 * 86400 + 5, buf, sizeof(buf));
	is_str(buf, "3d", "left: days");
	pki_time_left(7200, buf, sizeof(buf));
	is_str(buf, "2h", "left: hours");
	pki_time_left(61, buf, sizeof(buf));
	is_str(buf, "1m", "left: minutes");
	pki_time_left(0, buf, sizeof(buf));
	is_str(buf, "<expired>", "left: none");
}

/* Does dir/name exist (not followed)? */
static int
there(const char *dir, const char *name)
{
	char		path[4200];
	struct stat	st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &st) == 0;
}

/* pki_cl_sweep_set: only regular files named as a set's for a name. */
static void
test_sweep(void)
{
	static const char *const names[] = { "ca-key.pem", "inventory.db" };
	static const char *const gone[] = { ".ca-key.pem.Ab12Cd",
	    ".inventory.db.old.zZ9900" };
	static const char *const kept[] = { ".ca-key.pem.Ab12C",
	    ".ca.pem.Ab12Cd", ".notes.Ab12Cd", "ca-key.pem" };
	char		dir[] = "/tmp/t-cldir.XXXXXX", path[4200];
	size_t		i;
	int		fd, dfd, ok_all = 1;

	if (mkdtemp(dir) == NULL) {
		ok(0, "sweep: mkdtemp: %s", strerror(errno));
		ok(0, "sweep: not run");
		return;
	}
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, gone[i]);
		if ((fd = open(path, O_WRONLY | O_CREAT, 0600)) != -1)
			close(fd);
	}
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, kept[i]);
		if ((fd = open(path, O_WRONLY | O_CREAT, 0600)) != -1)
			close(fd);
	}
	/* A directory and a link of a swept name stay. */
	snprintf(path, sizeof(path), "%s/.inventory.db.Qq1122", dir);
	(void)mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/.ca-key.pem.Ww3344", dir);
	(void)symlink("ca-key.pem", path);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	pki_cl_sweep_set(dfd, names, 2);
	for (i = 0; i < 2; i++)
		if (there(dir, gone[i]))
			ok_all = 0;
	ok(dfd != -1 && ok_all, "sweep: a set's temporary and backup names "
	    "of a listed file are removed");
	ok(there(dir, kept[0]) && there(dir, kept[1]) && there(dir, kept[2]) &&
	    there(dir, kept[3]) && there(dir, ".inventory.db.Qq1122") &&
	    there(dir, ".ca-key.pem.Ww3344"), "sweep: other names, a "
	    "directory and a link stay");
	if (dfd != -1)
		close(dfd);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, kept[i]);
		(void)unlink(path);
	}
	snprintf(path, sizeof(path), "%s/.inventory.db.Qq1122", dir);
	(void)rmdir(path);
	snprintf(path, sizeof(path), "%s/.ca-key.pem.Ww3344", dir);
	(void)unlink(path);
	(void)rmdir(dir);
}

int
main(void)
{
	struct fx_ca	a, b;

	plan(55);
	fx_ca_new(&a, "CA a", 0);
	fx_ca_new(&b, "CA b", 0);
	test_paths();
	test_leaves();
	test_bundle(&a, &b);
	test_loader(&a, &b);
	test_notes();
	test_sweep();
	fx_ca_free(&a);
	fx_ca_free(&b);
	return done_testing();
}
