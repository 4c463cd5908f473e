/*
 * t-set.c: certificate sets on disk: layout detection, conversion to
 * generations, staging and activation, pruning, the fixed layout's
 * backups, cleanup of leftovers (without following planted links), the
 * directory lock, and a crash simulation (a child killed at random while
 * it converts, stages and activates; the set must stay consistent).
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pki.h"
#include "../tap.h"

#define NAME		"etcd1"
#define NB		((time_t)1700000000)	/* 20231114T221320Z */
#define GEN0		"gen/20231114T221320.000000Z-0a1b"
#define CRASH_TRIALS	40

static char	top[64];

/* Makes top/sub and returns its path (one of several static buffers). */
static const char *
mkdir_sub(const char *sub)
{
	static char	buf[4][PATH_MAX];
	static int	k;
	char		*path;

	path = buf[k++ % 4];
	snprintf(path, PATH_MAX, "%s/%s", top, sub);
	if (mkdir(path, 0755) == -1) {
		diag("mkdir %s: %s", path, strerror(errno));
		exit(1);
	}
	return path;
}

/* Writes a file with exactly mode. */
static void
put(const char *dir, const char *name, const char *text, mode_t mode)
{
	char	path[PATH_MAX];
	int	fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	(void)unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)) == -1 ||
	    fchmod(fd, mode) == -1 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    close(fd) == -1) {
		diag("write %s: %s", path, strerror(errno));
		exit(1);
	}
}

/* A fixed set "cert-N" / "key-N" / "csr-N" and ca.pem "ca". */
static void
mkset(const char *dir, const char *name, int n, int csr)
{
	char	file[NAME_MAX], text[64];

	snprintf(file, sizeof(file), "%s.pem", name);
	snprintf(text, sizeof(text), "cert-%d\n", n);
	put(dir, file, text, 0644);
	snprintf(file, sizeof(file), "%s-key.pem", name);
	snprintf(text, sizeof(text), "key-%d\n", n);
	put(dir, file, text, 0600);
	if (csr) {
		snprintf(file, sizeof(file), "%s.csr", name);
		snprintf(text, sizeof(text), "csr-%d\n", n);
		put(dir, file, text, 0644);
	}
	put(dir, "ca.pem", "ca\n", 0644);
}

/* The contents of dir/rel, or "" (static buffer, one of two). */
static const char *
cat(const char *dir, const char *rel)
{
	static char	 buf[2][256];
	static int	 k;
	char		 path[PATH_MAX], *p;
	size_t		 len;

	k ^= 1;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	buf[k][0] = '\0';
	if ((p = tap_slurp(path, &len)) != NULL) {
		snprintf(buf[k], sizeof(buf[k]), "%s", p);
		free(p);
	}
	return buf[k];
}

/* lstat of dir/rel: mode bits, or -1. */
static long
lmode(const char *dir, const char *rel, struct stat *stp)
{
	char		path[PATH_MAX];
	struct stat	st;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (lstat(path, &st) == -1)
		return -1;
	if (stp != NULL)
		*stp = st;
	return (long)st.st_mode;
}

/* The target of the link dir/rel, or "" (static). */
static const char *
link_of(const char *dir, const char *rel)
{
	static char	buf[PATH_MAX];
	char		path[PATH_MAX];
	ssize_t		n;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if ((n = readlink(path, buf, sizeof(buf) - 1)) == -1)
		n = 0;
	buf[n] = '\0';
	return buf;
}

/* pki_set_read as a string in a static buffer ("" on error). */
static const char *
rd(const struct pki_set *s, int which)
{
	static char		 out[256];
	struct pki_error	 err;
	char			*buf = NULL;
	size_t			 len = 0;

	out[0] = '\0';
	if (pki_set_read(s, which, &buf, &len, &err) == PKI_OK)
		snprintf(out, sizeof(out), "%s", buf);
	pki_secret_free(buf, len + 1);
	return out;
}

/* Same with pki_set_read_gen. */
static const char *
rdgen(const struct pki_set *s, const char *gen, int which)
{
	static char		 out[256];
	struct pki_error	 err;
	char			*buf = NULL;
	size_t			 len = 0;

	out[0] = '\0';
	if (pki_set_read_gen(s, gen, which, &buf, &len, &err) == PKI_OK)
		snprintf(out, sizeof(out), "%s", buf);
	pki_secret_free(buf, len + 1);
	return out;
}

/* Number of entries in dir/rel starting with prefix (-1 on error). */
static int
count_prefix(const char *dir, const char *rel, const char *prefix)
{
	char		 path[PATH_MAX];
	struct dirent	*de;
	DIR		*d;
	int		 n = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0 &&
		    strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	(void)closedir(d);
	return n;
}

static void
upd_init(struct pki_set_update *u, const char *cert, const char *key,
    const char *serial, time_t now)
{
	memset(u, 0, sizeof(*u));
	u->data[PKI_SET_CERT] = cert;
	u->len[PKI_SET_CERT] = cert != NULL ? strlen(cert) : 0;
	u->data[PKI_SET_KEY] = key;
	u->len[PKI_SET_KEY] = key != NULL ? strlen(key) : 0;
	u->serial_hex = serial;
	u->now = now;
}

/* ---- lock ----------------------------------------------------------- */

/* In a child: pki_dir_lock's result code (as exit status, 0..255). */
static int
child_lock(const char *dir, char *text, size_t size)
{
	struct pki_error	err;
	int			pfd[2], status, fd;
	pid_t			pid;
	ssize_t			n;

	text[0] = '\0';
	if (pipe(pfd) == -1 || (pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		memset(&err, 0, sizeof(err));
		status = pki_dir_lock(dir, &fd, &err);
		(void)write(pfd[1], err.text, strlen(err.text));
		_exit(-status);
	}
	(void)close(pfd[1]);
	n = read(pfd[0], text, size - 1);
	text[n > 0 ? n : 0] = '\0';
	(void)close(pfd[0]);
	if (waitpid(pid, &status, 0) == -1 || !WIFEXITED(status))
		return -1;
	return -WEXITSTATUS(status);
}

static void
test_lock(void)
{
	struct pki_error	 err;
	struct stat		 st;
	const char		*d = mkdir_sub("lock");
	char			 text[512], want[PATH_MAX + 100];
	int			 fd = 123, r;

	r = pki_dir_lock(d, &fd, &err);
	is_int(r, PKI_OK, "lock: taken");
	ok(fd >= 0, "lock: descriptor returned");
	is_int(lmode(d, ".etcd-pki.lock", &st) & 0777, 0600,
	    "lock: file is 0600");
	r = child_lock(d, text, sizeof(text));
	is_int(r, PKI_ERR_BUSY, "lock: a second holder gets PKI_ERR_BUSY");
	snprintf(want, sizeof(want), "%s: another etcd-pki run holds "
	    "%s/.etcd-pki.lock", d, d);
	is_str(text, want, "lock: message");
	(void)close(fd);
	r = child_lock(d, text, sizeof(text));
	is_int(r, PKI_OK, "lock: free again once closed");

	r = pki_dir_lock("/nonexistent/dir", &fd, &err);
	is_int(r, PKI_ERR_IO, "lock: missing directory");
	is_int(fd, -1, "lock: *fd = -1 on failure");
}

/*
 * A FIFO (no writer) at a set's file or at the lock: refused at once as
 * not a regular file, never waited on.
 */
static void
test_special(void)
{
	struct pki_error	 err;
	struct pki_set		*s = NULL;
	const char		*d = mkdir_sub("special");
	char			 path[PATH_MAX], *buf = NULL;
	size_t			 len = 0;
	int			 r, fd = -1;

	mkset(d, NAME, 1, 1);
	snprintf(path, sizeof(path), "%s/%s-key.pem", d, NAME);
	(void)unlink(path);
	if (mkfifo(path, 0600) == -1) {
		diag("mkfifo %s: %s", path, strerror(errno));
		exit(1);
	}
	alarm(20);	/* a hang fails the test instead of stopping it */
	memset(&err, 0, sizeof(err));
	r = pki_set_open(d, NAME, &s, &err);
	is_int(r, PKI_OK, "special: the set opens");
	if (r == PKI_OK) {
		r = pki_set_read(s, PKI_SET_KEY, &buf, &len, &err);
		is_int(r, PKI_ERR_INPUT, "special: a FIFO key is refused");
		snprintf(path, sizeof(path), "%s/%s-key.pem: not a regular "
		    "file (a FIFO)", d, NAME);
		is_str(err.text, path, "special: the message says what it is");
		ok(buf == NULL, "special: nothing read");
	}
	pki_set_free(s);
	snprintf(path, sizeof(path), "%s/.etcd-pki.lock", d);
	if (mkfifo(path, 0600) == -1) {
		diag("mkfifo %s: %s", path, strerror(errno));
		exit(1);
	}
	r = pki_dir_lock(d, &fd, &err);
	is_int(r, PKI_ERR_INPUT, "special: a FIFO at the lock is refused");
	is_int(fd, -1, "special: no lock descriptor");
	alarm(0);
}

/* ---- generations ---------------------------------------------------- */

static void
test_generations(void)
{
	struct pki_error	 err;
	struct pki_set		*s = NULL;
	struct pki_set_update	 u;
	struct stat		 a, b;
	const char		*d = mkdir_sub("gens");
	char			*gen = NULL, *gen2 = NULL, **gens = NULL;
	char			 want[PATH_MAX];
	size_t			 n = 0, removed = 0;
	mode_t			 old;
	int			 r;

	mkset(d, NAME, 0, 1);
	r = pki_set_open(d, NAME, &s, &err);
	is_int(r, PKI_OK, "open fixed: %s", r ? err.text : "ok");
	if (r != PKI_OK)
		return;
	is_int(pki_set_layout(s), PKI_LAYOUT_FIXED, "open: fixed layout");
	ok(pki_set_current(s) == NULL, "open: no current generation");
	snprintf(want, sizeof(want), "%s/%s.pem", d, NAME);
	is_str(pki_set_path(s, PKI_SET_CERT), want, "path: cert");
	snprintf(want, sizeof(want), "%s/%s-key.pem", d, NAME);
	is_str(pki_set_path(s, PKI_SET_KEY), want, "path: key");
	snprintf(want, sizeof(want), "%s/%s.csr", d, NAME);
	is_str(pki_set_path(s, PKI_SET_CSR), want, "path: csr");
	snprintf(want, sizeof(want), "%s/ca.pem", d);
	is_str(pki_set_path(s, PKI_SET_CA), want, "path: ca");
	ok(pki_set_path(s, PKI_SET__COUNT) == NULL, "path: out of range");
	is_str(rd(s, PKI_SET_CERT), "cert-0\n", "read fixed cert");
	upd_init(&u, "x", "y", "01", NB);
	r = pki_set_stage(s, &u, &gen, &err);
	is_int(r, PKI_ERR_ARG, "stage refused in the fixed layout");

	/* Convert. */
	r = pki_set_convert(s, NB, "0a1b", 0, &err);
	is_int(r, PKI_OK, "convert: %s", r ? err.text : "ok");
	is_int(pki_set_layout(s), PKI_LAYOUT_GENERATIONS,
	    "convert: generations layout");
	is_str(pki_set_current(s), GEN0, "convert: generation named from "
	    "notBefore and serial");
	is_str(link_of(d, "current"), GEN0, "convert: current link");
	is_str(link_of(d, NAME ".pem"), "current/" NAME ".pem",
	    "convert: cert link");
	is_str(link_of(d, NAME "-key.pem"), "current/" NAME "-key.pem",
	    "convert: key link");
	is_str(link_of(d, NAME ".csr"), "current/" NAME ".csr",
	    "convert: csr link");
	is_str(link_of(d, "ca.pem"), "current/ca.pem", "convert: ca link");
	is_str(cat(d, NAME ".pem"), "cert-0\n", "convert: cert resolves");
	is_str(cat(d, NAME "-key.pem"), "key-0\n", "convert: key resolves");
	is_str(cat(d, NAME ".csr"), "csr-0\n", "convert: csr resolves");
	is_str(cat(d, "ca.pem"), "ca\n", "convert: ca resolves");
	is_int(lmode(d, GEN0 "/" NAME "-key.pem", NULL) & 07777, 0600,
	    "convert: key 0600");
	is_int(lmode(d, "gen", NULL) & 07777, 0755, "convert: gen/ 0755");
	r = pki_set_convert(s, NB, "0a1b", 0, &err);
	is_int(r, PKI_OK, "convert again: nothing to do");
	r = pki_set_generations(s, &gens, &n, &err);
	is_int(r == PKI_OK ? (long long)n : -1, 1, "convert again: still one generation");
	pki_strv_free(gens, n);
	gens = NULL;

	/* Stage, not yet active. */
	upd_init(&u, "cert-1\n", "key-1\n", "0b", NB + 100);
	u.meta = "{\"n\":1}\n";
	u.metalen = strlen(u.meta);
	r = pki_set_stage(s, &u, &gen, &err);
	is_int(r, PKI_OK, "stage: %s", r ? err.text : "ok");
	is_str(gen, "gen/20231114T221500.000000Z-0b", "stage: generation name");
	is_str(rd(s, PKI_SET_CERT), "cert-0\n", "stage: not active yet");
	is_str(rdgen(s, gen, PKI_SET_CERT), "cert-1\n", "read_gen: new cert");
	is_str(rdgen(s, gen, PKI_SET_KEY), "key-1\n", "read_gen: new key");
	is_str(rdgen(s, gen, PKI_SET_CSR), "csr-0\n", "read_gen: csr kept");
	is_str(rdgen(s, GEN0, PKI_SET_KEY), "key-0\n", "read_gen: old key");
	r = pki_set_activate(s, gen, 0, &err);
	is_int(r, PKI_OK, "activate: %s", r ? err.text : "ok");
	is_str(pki_set_current(s), gen, "activate: current");
	is_str(link_of(d, "current"), gen, "activate: current link");
	is_str(cat(d, NAME ".pem"), "cert-1\n", "activate: cert switched");
	is_str(cat(d, NAME "-key.pem"), "key-1\n", "activate: key switched");
	is_str(rd(s, PKI_SET_KEY), "key-1\n", "read: through current");
	is_str(cat(d, GEN0 "/" NAME ".pem"), "cert-0\n",
	    "activate: old generation intact");
	is_str(cat(d, "current/meta.json"), "{\"n\":1}\n", "stage: meta.json");
	lmode(d, GEN0 "/" NAME ".csr", &a);
	lmode(d, "current/" NAME ".csr", &b);
	ok(a.st_ino == b.st_ino && a.st_dev == b.st_dev,
	    "stage: unchanged csr hard-linked");
	lmode(d, GEN0 "/ca.pem", &a);
	lmode(d, "current/ca.pem", &b);
	ok(a.st_ino == b.st_ino, "stage: unchanged ca.pem hard-linked");
	is_int(lmode(d, "current/" NAME "-key.pem", NULL) & 07777, 0600,
	    "stage: key 0600");
	is_int(count_prefix(d, "gen", ".tmp-"), 0, "stage: no leftovers");
	free(gen);
	gen = NULL;

	/* Modes whatever the umask. */
	old = umask(0);
	upd_init(&u, "cert-2\n", "key-2\n", "0c", NB + 200);
	r = pki_set_stage(s, &u, &gen, &err);
	is_int(r, PKI_OK, "stage under umask 0");
	is_int(lmode(d, gen, NULL) & 07777, 0755, "umask 0: generation 0755");
	snprintf(want, sizeof(want), "%s/%s-key.pem", gen, NAME);
	is_int(lmode(d, want, NULL) & 07777, 0600, "umask 0: key 0600");
	snprintf(want, sizeof(want), "%s/%s.pem", gen, NAME);
	is_int(lmode(d, want, NULL) & 07777, 0644, "umask 0: cert 0644");
	free(gen);
	gen = NULL;
	(void)umask(077);
	upd_init(&u, "cert-3\n", "key-3\n", "0d", NB + 300);
	r = pki_set_stage(s, &u, &gen, &err);
	is_int(r, PKI_OK, "stage under umask 077");
	is_int(lmode(d, gen, NULL) & 07777, 0755, "umask 077: generation 0755");
	snprintf(want, sizeof(want), "%s/%s-key.pem", gen, NAME);
	is_int(lmode(d, want, NULL) & 07777, 0600, "umask 077: key 0600");
	snprintf(want, sizeof(want), "%s/%s.pem", gen, NAME);
	is_int(lmode(d, want, NULL) & 07777, 0644, "umask 077: cert 0644");
	(void)umask(old);
	r = pki_set_activate(s, gen, 1, &err);
	is_int(r, PKI_OK, "activate the newest");
	free(gen);
	gen = NULL;

	/* Order; the same second and serial get "-2". */
	upd_init(&u, "cert-4\n", "key-4\n", "0d", NB + 300);
	r = pki_set_stage(s, &u, &gen2, &err);
	is_int(r, PKI_OK, "stage: same name again");
	is_str(gen2, "gen/20231114T221820.000001Z-0d",
	    "stage: the same second and serial: 1 us later");
	r = pki_set_generations(s, &gens, &n, &err);
	is_int(r, PKI_OK, "generations");
	is_int(n, 5, "generations: five");
	if (n == 5) {
		is_str(gens[0], GEN0, "generations: oldest first");
		is_str(gens[1], "gen/20231114T221500.000000Z-0b", "generations: 2nd");
		is_str(gens[2], "gen/20231114T221640.000000Z-0c", "generations: 3rd");
		is_str(gens[3], "gen/20231114T221820.000000Z-0d", "generations: 4th");
		is_str(gens[4], gen2, "generations: newest");
	}
	pki_strv_free(gens, n);
	gens = NULL;

	/* Discard. */
	r = pki_set_discard(s, pki_set_current(s), &err);
	is_int(r, PKI_ERR_ARG, "discard: not the current generation");
	r = pki_set_discard(s, "gen/../x", &err);
	is_int(r, PKI_ERR_ARG, "discard: not a generation name");
	r = pki_set_discard(s, gen2, &err);
	is_int(r, PKI_OK, "discard: %s", r ? err.text : "ok");
	ok(lmode(d, gen2, NULL) == -1, "discard: gone");
	free(gen2);
	gen2 = NULL;

	/* Prune, with a staged newer generation that must stay. */
	upd_init(&u, "cert-5\n", "key-5\n", "0e", NB + 400);
	r = pki_set_stage(s, &u, &gen2, &err);
	is_int(r, PKI_OK, "stage a newer one");
	r = pki_set_prune(s, 3, &removed, &err);
	ok(r == PKI_OK && removed == 0, "prune keep=3: 3 older, none removed");
	r = pki_set_prune(s, 1, &removed, &err);
	ok(r == PKI_OK && removed == 2, "prune keep=1: two removed (%zu)",
	    removed);
	ok(lmode(d, GEN0, NULL) == -1, "prune: oldest went first");
	ok(lmode(d, "gen/20231114T221640.000000Z-0c", NULL) != -1,
	    "prune: newest older kept");
	r = pki_set_prune(s, 0, &removed, &err);
	ok(r == PKI_OK && removed == 1, "prune keep=0: one removed");
	r = pki_set_prune(s, -1, &removed, &err);
	is_int(r, PKI_ERR_ARG, "prune keep<0");
	r = pki_set_generations(s, &gens, &n, &err);
	is_int(r == PKI_OK ? (long long)n : -1, 2, "prune: current and the newer staged one left");
	if (n == 2) {
		is_str(gens[0], pki_set_current(s), "prune: current kept");
		is_str(gens[1], gen2, "prune: newer than current kept");
	}
	pki_strv_free(gens, n);
	gens = NULL;

	/* Reopen: same state. */
	pki_set_free(s);
	s = NULL;
	r = pki_set_open(d, NAME, &s, &err);
	is_int(r, PKI_OK, "reopen");
	if (r == PKI_OK) {
		is_int(pki_set_layout(s), PKI_LAYOUT_GENERATIONS,
		    "reopen: generations");
		is_str(pki_set_current(s), "gen/20231114T221820.000000Z-0d",
		    "reopen: current");
		is_str(rd(s, PKI_SET_CERT), "cert-3\n", "reopen: read");
	}
	free(gen2);
	pki_set_free(s);
}

/* A file missing from the set, and a second name sharing the directory. */
static void
test_shared(void)
{
	struct pki_error	 err;
	struct pki_set		*s = NULL, *s2 = NULL;
	struct pki_set_update	 u;
	const char		*d = mkdir_sub("shared");
	char			*buf = NULL, *gen = NULL, **gens = NULL;
	size_t			 len = 0, n = 0;
	int			 r;

	mkset(d, NAME, 0, 0);
	if (pki_set_open(d, NAME, &s, &err) != PKI_OK ||
	    pki_set_convert(s, NB, "01", 1, &err) != PKI_OK) {
		ok(0, "shared: setup: %s", err.text);
		pki_set_free(s);
		return;
	}
	memset(&err, 0, sizeof(err));
	r = pki_set_read(s, PKI_SET_CSR, &buf, &len, &err);
	ok(r == PKI_ERR_IO && err.sys_errno == ENOENT && buf == NULL,
	    "read: missing csr is PKI_ERR_IO/ENOENT");
	ok(lmode(d, NAME ".csr", NULL) == -1, "convert: no link for a "
	    "missing file");

	/* A new file appears with a renewal: its link is made. */
	upd_init(&u, "cert-1\n", NULL, "02", NB + 1);
	u.data[PKI_SET_CSR] = "csr-1\n";
	u.len[PKI_SET_CSR] = 6;
	r = pki_set_stage(s, &u, &gen, &err);
	is_int(r, PKI_OK, "stage with a new csr");
	r = pki_set_activate(s, gen, 1, &err);
	is_int(r, PKI_OK, "activate with a new csr");
	is_str(link_of(d, NAME ".csr"), "current/" NAME ".csr",
	    "activate: link for the new csr");
	is_str(cat(d, NAME ".csr"), "csr-1\n", "activate: csr resolves");
	is_str(cat(d, NAME "-key.pem"), "key-0\n", "activate: key kept");
	free(gen);
	gen = NULL;

	/* etcd2 joins the directory. */
	mkset(d, "etcd2", 7, 1);
	{
		char	path[PATH_MAX];

		/* mkset replaced the ca.pem link by a file: put it back. */
		snprintf(path, sizeof(path), "%s/ca.pem", d);
		(void)unlink(path);
		if (symlink("current/ca.pem", path) == -1)
			diag("symlink: %s", strerror(errno));
	}
	r = pki_set_open(d, "etcd2", &s2, &err);
	is_int(r, PKI_OK, "etcd2: open");
	if (r != PKI_OK)
		goto out;
	/*
	 * D's generations are etcd1's: etcd2 gets its own in D/etcd2.gen
	 * (issue 14), never sharing etcd1's current or ca.pem.
	 */
	{
		char	cur1[PATH_MAX];

		snprintf(cur1, sizeof(cur1), "%s", link_of(d, "current"));
		is_int(pki_set_layout(s2), PKI_LAYOUT_FIXED,
		    "etcd2: not in etcd1's generations");
		ok(pki_set_read(s2, PKI_SET_CERT, &buf, &len, &err) == 0 &&
		    len == 7 && memcmp(buf, "cert-7\n", 7) == 0,
		    "etcd2: its certificate reads (not \"missing\")");
		free(buf);
		buf = NULL;
		r = pki_set_stage(s2, &u, &gen, &err);
		is_int(r, PKI_ERR_ARG, "etcd2: stage refused before "
		    "conversion");
		r = pki_set_convert(s2, NB + 2, "03", 1, &err);
		is_int(r, PKI_OK, "etcd2: convert: %s", r ? err.text : "ok");
		is_str(pki_set_current(s2), "gen/20231114T221322.000000Z-03",
		    "etcd2: new generation");
		is_str(cat(d, "etcd2.pem"), "cert-7\n", "etcd2: cert resolves");
		is_str(cat(d, "etcd2-key.pem"), "key-7\n",
		    "etcd2: key resolves");
		is_str(cat(d, NAME ".pem"), "cert-1\n",
		    "etcd2: etcd1 unchanged");
		is_str(cat(d, NAME ".csr"), "csr-1\n",
		    "etcd2: etcd1 csr unchanged");
		is_str(link_of(d, "etcd2.pem"), "etcd2.gen/current/etcd2.pem",
		    "etcd2: link into its own generations");
		is_str(link_of(d, "current"), cur1, "etcd2: etcd1's current "
		    "untouched");
		is_str(link_of(d, "ca.pem"), "current/ca.pem",
		    "etcd2: ca.pem untouched");
		r = pki_set_generations(s2, &gens, &n, &err);
		is_int(r == PKI_OK ? (long long)n : -1, 1,
		    "etcd2: one generation of its own");
		pki_strv_free(gens, n);
	}
 out:
	pki_set_free(s);
	pki_set_free(s2);
}

/*
 * The directory cfssljson -bare leaves: the CA's own set (ca.pem and
 * ca-key.pem) beside etcd1's.  etcd1 gets D/etcd1.gen; ca.pem is not one
 * of its files (issue 14).
 */
static void
test_beside_ca(void)
{
	struct pki_error	 err;
	struct pki_set		*s = NULL;
	const char		*d = mkdir_sub("besideca");
	char			 gen[PATH_MAX];

	mkset(d, NAME, 0, 1);
	put(d, "ca-key.pem", "cakey\n", 0600);
	if (pki_set_open(d, NAME, &s, &err) != PKI_OK ||
	    pki_set_convert(s, NB, "0a1b", 1, &err) != PKI_OK) {
		ok(0, "beside ca: setup: %s", err.text);
		pki_set_free(s);
		return;
	}
	is_str(link_of(d, NAME ".pem"), NAME ".gen/current/" NAME ".pem",
	    "beside ca: the set's own generations");
	is_str(link_of(d, NAME ".gen/current"), GEN0, "beside ca: its current");
	ok(lmode(d, "ca.pem", NULL) == 0100644 && lmode(d, "current", NULL) ==
	    -1 && lmode(d, "gen", NULL) == -1, "beside ca: ca.pem a file, no "
	    "DIR/current nor DIR/gen");
	is_str(rd(s, PKI_SET_CA), "ca\n", "beside ca: ca.pem read in place");
	snprintf(gen, sizeof(gen), NAME ".gen/%s/ca.pem", GEN0);
	ok(lmode(d, gen, NULL) == -1, "beside ca: no ca.pem in the "
	    "generation");
	pki_set_free(s);
	/* Opened again: the same layout, found from D/etcd1.gen. */
	s = NULL;
	ok(pki_set_open(d, NAME, &s, &err) == PKI_OK &&
	    pki_set_layout(s) == PKI_LAYOUT_GENERATIONS &&
	    strcmp(rd(s, PKI_SET_CERT), "cert-0\n") == 0,
	    "beside ca: reopened in its own generations");
	pki_set_free(s);
}

/* Interrupted conversions and refusals. */
static void
test_convert_edges(void)
{
	struct pki_error	 err;
	struct pki_set		*s = NULL;
	struct pki_set_update	 u;
	const char		*d = mkdir_sub("partial");
	char			 path[PATH_MAX], *gen = NULL;
	int			 r;

	mkset(d, NAME, 0, 1);
	if (pki_set_open(d, NAME, &s, &err) != PKI_OK ||
	    pki_set_convert(s, NB, "01", 1, &err) != PKI_OK) {
		ok(0, "partial: setup: %s", err.text);
		pki_set_free(s);
		return;
	}
	pki_set_free(s);
	s = NULL;
	/* As if killed before the links: a regular file equal to current. */
	put(d, NAME ".pem", "cert-0\n", 0644);
	r = pki_set_open(d, NAME, &s, &err);
	is_int(r, PKI_OK, "partial: open");
	if (r != PKI_OK)
		return;
	upd_init(&u, "cert-1\n", "key-1\n", "02", NB + 1);
	r = pki_set_stage(s, &u, &gen, &err);
	is_int(r, PKI_ERR_INPUT, "partial: stage refused");
	r = pki_set_activate(s, GEN0, 1, &err);
	is_int(r, PKI_ERR_INPUT, "partial: activate refused");
	r = pki_set_convert(s, NB, "01", 1, &err);
	is_int(r, PKI_OK, "partial: convert finishes: %s", r ? err.text : "");
	is_str(link_of(d, NAME ".pem"), "current/" NAME ".pem",
	    "partial: cert is a link now");
	/* A regular file that differs is somebody else's: refuse. */
	put(d, NAME ".pem", "other\n", 0644);
	r = pki_set_convert(s, NB, "01", 1, &err);
	is_int(r, PKI_ERR_INPUT, "differing regular file: refused");
	is_str(cat(d, NAME ".pem"), "other\n", "differing file: untouched");
	pki_set_free(s);
	s = NULL;

	/* A fixed file that is a link elsewhere. */
	d = mkdir_sub("foreign");
	mkset(d, NAME, 0, 1);
	snprintf(path, sizeof(path), "%s/ca.pem", d);
	(void)unlink(path);
	if (symlink("../elsewhere.pem", path) == -1)
		diag("symlink: %s", strerror(errno));
	r = pki_set_open(d, NAME, &s, &err);
	is_int(r, PKI_OK, "foreign link: open");
	if (r == PKI_OK) {
		r = pki_set_convert(s, NB, "01", 1, &err);
		is_int(r, PKI_ERR_INPUT, "foreign link: convert refused");
		ok(lmode(d, "current", NULL) == -1,
		    "foreign link: nothing done");
	}
	pki_set_free(s);
	s = NULL;

	/* current not pointing into gen/. */
	d = mkdir_sub("badcur");
	mkset(d, NAME, 0, 1);
	snprintf(path, sizeof(path), "%s/current", d);
	if (symlink("../elsewhere", path) == -1)
		diag("symlink: %s", strerror(errno));
	r = pki_set_open(d, NAME, &s, &err);
	is_int(r, PKI_ERR_INPUT, "current outside gen/: PKI_ERR_INPUT");
	snprintf(path, sizeof(path), "%s/current: not a link into gen/", d);
	is_str(err.text, path, "current outside gen/: message");
	ok(s == NULL, "current outside gen/: no set");
	snprintf(path, sizeof(path), "%s/current", d);
	(void)unlink(path);
	if (symlink("gen/missing", path) == -1)
		diag("symlink: %s", strerror(errno));
	r = pki_set_open(d, NAME, &s, &err);
	is_int(r, PKI_ERR_INPUT, "current to a missing generation");
	(void)unlink(path);
	if (mkdir(path, 0755) == -1)
		diag("mkdir: %s", strerror(errno));
	r = pki_set_open(d, NAME, &s, &err);
	is_int(r, PKI_ERR_INPUT, "current a directory");
	r = pki_set_open(d, "a/b", &s, &err);
	is_int(r, PKI_ERR_ARG, "name with a slash");
}

/* Leftovers are removed; planted links are not followed. */
static void
test_cleanup(void)
{
	struct pki_error	 err;
	struct pki_set		*s = NULL;
	struct pki_set_update	 u;
	const char		*d = mkdir_sub("clean");
	const char		*out = mkdir_sub("outside");
	char			 path[PATH_MAX], target[PATH_MAX];
	char			*gen = NULL;
	int			 r;

	put(out, "victim", "precious\n", 0644);
	put(out, "keep.pem", "keep\n", 0644);
	mkset(d, NAME, 0, 1);
	if (pki_set_open(d, NAME, &s, &err) != PKI_OK ||
	    pki_set_convert(s, NB, "01", 1, &err) != PKI_OK) {
		ok(0, "cleanup: setup: %s", err.text);
		pki_set_free(s);
		return;
	}
	pki_set_free(s);
	s = NULL;

	/* An interrupted stage with files in it. */
	snprintf(path, sizeof(path), "%s/gen/.tmp-1-abcdefABCDEF", d);
	(void)mkdir(path, 0700);
	put(path, NAME ".pem", "half\n", 0644);
	/* Links planted at our names, pointing outside. */
	snprintf(path, sizeof(path), "%s/gen/.tmp-x", d);
	if (symlink(out, path) == -1)
		diag("symlink: %s", strerror(errno));
	snprintf(target, sizeof(target), "%s/victim", out);
	snprintf(path, sizeof(path), "%s/current.tmp-x", d);
	if (symlink(target, path) == -1)
		diag("symlink: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/" NAME ".pem.tmp-9-x", d);
	if (symlink(target, path) == -1)
		diag("symlink: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/" NAME "-key.pem.bak.tmp-9-x", d);
	if (symlink(target, path) == -1)
		diag("symlink: %s", strerror(errno));
	/* pki_file_write_set()'s temporary files. */
	put(d, "." NAME ".pem.Ab3xYz", "tmp\n", 0644);
	put(d, "." NAME "-key.pem.old.Ab3xYz", "old\n", 0600);
	/* Not ours: kept. */
	put(d, "notes.tmp-1", "mine\n", 0644);
	put(d, "." NAME ".pem.toolongname", "mine\n", 0644);

	r = pki_set_open(d, NAME, &s, &err);
	is_int(r, PKI_OK, "cleanup: open: %s", r ? err.text : "ok");
	is_int(count_prefix(d, "gen", ".tmp-"), 0,
	    "cleanup: gen/.tmp-* removed");
	is_int(count_prefix(d, ".", "current.tmp-"), 0,
	    "cleanup: current.tmp-* removed");
	is_int(count_prefix(d, ".", NAME ".pem.tmp-"), 0,
	    "cleanup: NAME.pem.tmp-* removed");
	is_int(count_prefix(d, ".", NAME "-key.pem.bak.tmp-"), 0,
	    "cleanup: NAME-key.pem.bak.tmp-* removed");
	ok(lmode(d, "." NAME ".pem.Ab3xYz", NULL) == -1,
	    "cleanup: write_set temporary removed");
	ok(lmode(d, "." NAME "-key.pem.old.Ab3xYz", NULL) == -1,
	    "cleanup: write_set backup removed");
	ok(lmode(d, "notes.tmp-1", NULL) != -1, "cleanup: other files kept");
	ok(lmode(d, "." NAME ".pem.toolongname", NULL) != -1,
	    "cleanup: other hidden files kept");
	is_str(cat(out, "victim"), "precious\n", "cleanup: target untouched");
	is_str(cat(out, "keep.pem"), "keep\n",
	    "cleanup: linked directory's file untouched");
	is_int(count_prefix(out, ".", ""), 2,
	    "cleanup: linked directory intact");
	is_str(rd(s, PKI_SET_CERT), "cert-0\n", "cleanup: set intact");

	/* A planted link at a name we would not use is just ignored. */
	upd_init(&u, "cert-1\n", "key-1\n", "02", NB + 1);
	r = pki_set_stage(s, &u, &gen, &err);
	is_int(r, PKI_OK, "cleanup: stage after cleanup");
	r = pki_set_activate(s, gen, 1, &err);
	is_int(r, PKI_OK, "cleanup: activate after cleanup");
	is_str(cat(out, "victim"), "precious\n", "stage: target untouched");
	free(gen);
	pki_set_free(s);
}

/* The fixed layout: .bak copies and restore. */
static void
test_fixed(void)
{
	struct pki_error	 err;
	struct pki_set		*s = NULL;
	struct pki_set_update	 u;
	const char		*d = mkdir_sub("fixed");
	int			 r;

	mkset(d, NAME, 0, 1);
	r = pki_set_open(d, NAME, &s, &err);
	is_int(r, PKI_OK, "fixed: open");
	if (r != PKI_OK)
		return;
	r = pki_set_restore_fixed(s, 1, &err);
	ok(r == PKI_ERR_IO && err.sys_errno == ENOENT,
	    "restore: nothing to restore");
	upd_init(&u, "cert-1\n", "key-1\n", "02", NB + 1);
	r = pki_set_replace_fixed(s, &u, &err);
	is_int(r, PKI_OK, "replace: %s", r ? err.text : "ok");
	is_str(cat(d, NAME ".pem"), "cert-1\n", "replace: cert");
	is_str(cat(d, NAME "-key.pem"), "key-1\n", "replace: key");
	is_str(cat(d, NAME ".csr"), "csr-0\n", "replace: csr unchanged");
	is_str(cat(d, NAME ".pem.bak"), "cert-0\n", "replace: cert.bak");
	is_str(cat(d, NAME "-key.pem.bak"), "key-0\n", "replace: key.bak");
	ok(lmode(d, NAME ".csr.bak", NULL) == -1, "replace: no csr.bak");
	is_int(lmode(d, NAME "-key.pem.bak", NULL) & 07777, 0600,
	    "replace: key.bak 0600");
	is_int(lmode(d, NAME "-key.pem", NULL) & 07777, 0600,
	    "replace: key 0600");
	is_int(pki_set_layout(s), PKI_LAYOUT_FIXED, "replace: still fixed");
	r = pki_set_restore_fixed(s, 0, &err);
	is_int(r, PKI_OK, "restore: %s", r ? err.text : "ok");
	is_str(cat(d, NAME ".pem"), "cert-0\n", "restore: cert");
	is_str(cat(d, NAME "-key.pem"), "key-0\n", "restore: key");
	is_str(cat(d, NAME ".pem.bak"), "cert-0\n", "restore: .bak stays");
	is_int(lmode(d, NAME "-key.pem", NULL) & 07777, 0600,
	    "restore: key 0600");
	is_int(count_prefix(d, ".", NAME ".pem.tmp-"), 0,
	    "restore: no temporary left");
	r = pki_set_convert(s, NB, "01", 1, &err);
	is_int(r, PKI_OK, "fixed: convert");
	r = pki_set_replace_fixed(s, &u, &err);
	is_int(r, PKI_ERR_ARG, "replace refused in generations");
	r = pki_set_restore_fixed(s, 1, &err);
	is_int(r, PKI_ERR_ARG, "restore refused in generations");
	pki_set_free(s);
}

/* ---- crash simulation ----------------------------------------------- */

/* The child: convert, then stage and activate rounds, until killed. */
static void __attribute__((noreturn))
crash_child(const char *d, unsigned long first)
{
	struct pki_set_update	 u;
	struct pki_set		*s = NULL;
	char			 cert[32], key[32], serial[32], *gen = NULL;
	unsigned long		 i;
	size_t			 removed;
	int			 fd;

	if (pki_dir_lock(d, &fd, NULL) != PKI_OK)
		_exit(3);
	for (i = first;; i++) {
		if (pki_set_open(d, NAME, &s, NULL) != PKI_OK ||
		    pki_set_convert(s, NB, "01", 1, NULL) != PKI_OK)
			_exit(4);
		snprintf(cert, sizeof(cert), "cert-%lu\n", i);
		snprintf(key, sizeof(key), "key-%lu\n", i);
		snprintf(serial, sizeof(serial), "%lx", i);
		upd_init(&u, cert, key, serial, NB + (time_t)i);
		u.no_sync = 1;
		if (pki_set_stage(s, &u, &gen, NULL) != PKI_OK ||
		    pki_set_activate(s, gen, 1, NULL) != PKI_OK ||
		    pki_set_prune(s, 2, &removed, NULL) != PKI_OK)
			_exit(5);
		free(gen);
		pki_set_free(s);
	}
}

/* 1 if cert and key are "cert-N\n" and "key-N\n" with the same N. */
static int
pair_ok(const char *cert, const char *key, unsigned long *np)
{
	unsigned long	a, b;
	char		c1, c2;

	if (sscanf(cert, "cert-%lu%c", &a, &c1) != 2 ||
	    sscanf(key, "key-%lu%c", &b, &c2) != 2 || c1 != '\n' ||
	    c2 != '\n')
		return 0;
	*np = a;
	return a == b;
}

static void
test_crash(void)
{
	struct pki_error	 err;
	struct pki_set		*s = NULL;
	char			 sub[64], cert[256], key[256];
	const char		*d = NULL;
	unsigned int		 seed = 4242;
	unsigned long		 n, last = 0;
	int			 t, status, lfd, good = 0, fixed = 0, r;
	int			 early = 0;
	pid_t			 pid;

	for (t = 0; t < CRASH_TRIALS; t++) {
		if (t % 4 == 0) {
			snprintf(sub, sizeof(sub), "crash%d", t);
			d = mkdir_sub(sub);
			mkset(d, NAME, 0, 1);
			last = 0;
		}
		if ((pid = fork()) == -1) {
			ok(0, "fork: %s", strerror(errno));
			return;
		}
		if (pid == 0)
			crash_child(d, (unsigned long)t * 100000 + 1);
		/* Mostly early (the conversion), sometimes later. */
		(void)usleep(rand_r(&seed) % (t % 2 ? 40000 : 4000));
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, &status, 0);
		if (!WIFSIGNALED(status)) {
			diag("trial %d: child exited %d", t,
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			early++;
		}

		if ((r = pki_dir_lock(d, &lfd, &err)) != PKI_OK) {
			diag("trial %d: lock: %s", t, err.text);
			continue;
		}
		if ((r = pki_set_open(d, NAME, &s, &err)) != PKI_OK) {
			diag("trial %d: open: %s", t, err.text);
			(void)close(lfd);
			continue;
		}
		snprintf(cert, sizeof(cert), "%s", rd(s, PKI_SET_CERT));
		snprintf(key, sizeof(key), "%s", rd(s, PKI_SET_KEY));
		if (pki_set_layout(s) == PKI_LAYOUT_FIXED)
			fixed++;
		if (!pair_ok(cert, key, &n) || n < last ||
		    (pki_set_layout(s) == PKI_LAYOUT_FIXED && n != 0)) {
			diag("trial %d: read %s / %s", t, cert, key);
		} else if (!pair_ok(cat(d, NAME ".pem"),
		    cat(d, NAME "-key.pem"), &n)) {
			diag("trial %d: configured paths %s / %s", t,
			    cat(d, NAME ".pem"), cat(d, NAME "-key.pem"));
		} else if (count_prefix(d, "gen", ".tmp-") > 0 ||
		    count_prefix(d, ".", "current.tmp-") > 0 ||
		    count_prefix(d, ".", NAME ".pem.tmp-") > 0) {
			diag("trial %d: leftovers after open", t);
		} else {
			good++;
			last = n;
		}
		pki_set_free(s);
		s = NULL;
		(void)close(lfd);
	}
	is_int(early, 0, "crash: every child was killed while running");
	is_int(good, CRASH_TRIALS, "crash: %d kills, every one left a "
	    "consistent pair (%d still fixed)", CRASH_TRIALS, fixed);
}

static int
rm_rf(const char *path)
{
	char	cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	return system(cmd);
}

/* ---- who owns a new key; which generation may be current ----------- */

/*
 * Stages a new key "k" with key_owner_ok ok and the explicit owner own
 * (or NULL); its owner, mode and note.
 */
static void
stage_key_own(struct pki_set *s, const char *d, int ok_,
    const struct pki_owner *own, struct stat *st, char *note, size_t notelen)
{
	struct pki_error	 err;
	struct pki_set_update	 u;
	char			*gen = NULL, rel[PATH_MAX];
	int			 r;

	upd_init(&u, "c", "k", "0b", NB + 60);
	u.key_owner_ok = ok_;
	u.owner = own;
	u.note = note;
	u.notelen = notelen;
	note[0] = '\0';
	memset(st, 0, sizeof(*st));
	if ((r = pki_set_stage(s, &u, &gen, &err)) != PKI_OK) {
		diag("stage: %s", err.text);
		return;
	}
	snprintf(rel, sizeof(rel), "%s/%s-key.pem", gen, NAME);
	(void)lmode(d, rel, st);
	if (pki_set_discard(s, gen, &err) != PKI_OK)
		diag("discard: %s", err.text);
	free(gen);
}

static void
stage_key(struct pki_set *s, const char *d, int ok_, struct stat *st,
    char *note, size_t notelen)
{
	stage_key_own(s, d, ok_, NULL, st, note, notelen);
}

/* pki_owner_key's decision table, without files. */
static void
test_owner_decide(void)
{
	struct pki_owner	 o;
	struct pki_error	 err;
	struct stat		 like, own;
	char			 note[512];
	mode_t			 mode;

	memset(&like, 0, sizeof(like));
	like.st_uid = 4242;
	like.st_gid = 4343;
	like.st_mode = S_IFREG | 0660;
	(void)pki_owner_key(NULL, &like, NULL, "k.pem", &own, &mode, note,
	    sizeof(note));
	ok(own.st_uid == 4242 && own.st_gid == 4343 && mode == 0640 &&
	    note[0] == '\0', "decide: a vouched-for old key: its owner, "
	    "group read kept, never group write (%04o)", (unsigned)mode);
	(void)pki_owner_key(NULL, &like, "planted", "k.pem", &own, &mode,
	    note, sizeof(note));
	ok(own.st_uid == geteuid() && own.st_gid == getegid() &&
	    mode == 0600 && strstr(note, "k.pem: the new key is not given") !=
	    NULL && strstr(note, "planted") != NULL &&
	    strstr(note, "pass -owner USER[:GROUP]") != NULL,
	    "decide: refused: the caller's, 0600, and the note says what to "
	    "pass: %s", note);
	memset(&o, 0, sizeof(o));
	o.has_user = o.has_group = 1;
	o.uid = 77;
	o.gid = 88;
	(void)pki_owner_key(&o, &like, "planted", "k.pem", &own, &mode, note,
	    sizeof(note));
	ok(own.st_uid == 77 && own.st_gid == 88 && mode == 0600 &&
	    note[0] == '\0', "decide: an explicit owner beats the refusal, "
	    "0600 without -mode, no note");
	o.key_mode = 0640;
	(void)pki_owner_key(&o, &like, NULL, "k.pem", &own, &mode, note,
	    sizeof(note));
	ok(own.st_uid == 77 && own.st_gid == 88 && mode == 0640,
	    "decide: an explicit owner and mode beat the old key's");
	memset(&o, 0, sizeof(o));
	o.key_mode = 0440;
	(void)pki_owner_key(&o, NULL, NULL, "k.pem", &own, &mode, note,
	    sizeof(note));
	ok(own.st_uid == geteuid() && mode == 0440 && note[0] == '\0',
	    "decide: no old key, a mode only: the caller's, that mode");

	memset(&o, 0, sizeof(o));
	is_int(pki_owner_mode_parse(&o, "0640", &err), PKI_OK,
	    "mode 0640: accepted");
	ok(o.key_mode == 0640, "mode 0640: stored");
	is_int(pki_owner_mode_parse(&o, "0644", &err), PKI_ERR_ARG,
	    "mode 0644 (others read): refused");
	ok(strstr(err.text, "dangerous") != NULL, "... as dangerous: %s",
	    err.text);
	is_int(pki_owner_mode_parse(&o, "0660", &err), PKI_ERR_ARG,
	    "mode 0660 (group write): refused");
	is_int(pki_owner_mode_parse(&o, "0200", &err), PKI_ERR_ARG,
	    "mode 0200 (owner cannot read): refused");
	is_int(pki_owner_mode_parse(&o, "0o600", &err), PKI_ERR_ARG,
	    "mode 0o600: not octal, refused");
	is_int(pki_owner_parse(&o, "root", &err), PKI_OK, "owner root");
	ok(o.has_user && o.uid == 0 && o.has_group && o.gid == 0,
	    "owner root: uid 0, its login group 0");
	memset(&o, 0, sizeof(o));
	is_int(pki_owner_parse(&o, "0:1234", &err), PKI_OK,
	    "owner 0:1234 (numbers)");
	ok(o.uid == 0 && o.gid == 1234, "owner 0:1234: uid 0 gid 1234");
	memset(&o, 0, sizeof(o));
	is_int(pki_owner_parse(&o, ":0", &err), PKI_OK, "owner :0");
	ok(!o.has_user && o.has_group && o.gid == 0, "owner :0: group only");
	is_int(pki_owner_parse(&o, "no-such-user-etcd-pki", &err),
	    PKI_ERR_ARG, "owner: an unknown user is refused");
	ok(strstr(err.text, "no such user") != NULL, "... says so: %s",
	    err.text);
	is_int(pki_owner_flags(&o, "root:no-such-group-etcd-pki", NULL,
	    &err), PKI_ERR_ARG, "-owner with an unknown group: refused");
	ok(strncmp(err.text, "-owner ", 7) == 0 &&
	    strstr(err.text, "no such group") != NULL,
	    "... naming the flag: %s", err.text);
	is_int(pki_owner_flags(&o, NULL, "0666", &err), PKI_ERR_ARG,
	    "-mode 0666: refused");
	ok(strncmp(err.text, "-mode ", 6) == 0, "... naming the flag: %s",
	    err.text);
}

static void
test_owner(void)
{
	struct pki_error	 err;
	struct pki_set		*s = NULL;
	struct stat		 st;
	struct pki_owner	 own;
	const char		*d = mkdir_sub("owner");
	char			 note[512], path[PATH_MAX], lnk[PATH_MAX];
	char			 fut[PATH_MAX], cur[NAME_MAX + 8];
	ssize_t			 n;
	int			 r;

	mkset(d, NAME, 0, 1);
	if (pki_set_open(d, NAME, &s, &err) != PKI_OK ||
	    pki_set_convert(s, NB, "0a", 0, &err) != PKI_OK) {
		ok(0, "owner: set up: %s", err.text);
		pki_set_free(s);
		return;
	}
	snprintf(path, sizeof(path), "%s/current/%s-key.pem", d, NAME);
	if (geteuid() == 0 && chown(path, 65534, 65534) == 0 &&
	    chmod(path, 0640) == 0) {
		stage_key(s, d, PKI_KEYOWN_NO, &st, note, sizeof(note));
		ok(st.st_uid == 0 && (st.st_mode & 07777) == 0600,
		    "owner: not vouched for: the caller's, 0600");
		ok(strstr(note, "its key did not match its certificate") !=
		    NULL, "owner: ... and the note says why: %s", note);
		stage_key(s, d, PKI_KEYOWN_PAIR, &st, note, sizeof(note));
		ok(st.st_uid == 65534 && st.st_gid == 65534 &&
		    (st.st_mode & 07777) == 0640 && note[0] == '\0',
		    "owner: a matching pair in safe directories: the old "
		    "key's owner, 0640");
		snprintf(path, sizeof(path), "%s/current/", d);
		(void)chmod(path, 0777);
		stage_key(s, d, PKI_KEYOWN_PAIR, &st, note, sizeof(note));
		ok(st.st_uid == 0 && (st.st_mode & 07777) == 0600 &&
		    strstr(note, "could write the generation") != NULL,
		    "owner: a generation others can write: the caller's, "
		    "0600: %s", note);
		memset(&own, 0, sizeof(own));
		own.has_user = own.has_group = 1;
		own.uid = 65533;
		own.gid = 65532;
		own.key_mode = 0640;
		stage_key_own(s, d, PKI_KEYOWN_NO, &own, &st, note,
		    sizeof(note));
		ok(st.st_uid == 65533 && st.st_gid == 65532 &&
		    (st.st_mode & 07777) == 0640 && note[0] == '\0',
		    "owner: explicit, even over a refused old key: that owner, "
		    "0640, no note");
		(void)chmod(path, 0755);
		memset(&own, 0, sizeof(own));
		own.key_mode = 0600;
		stage_key_own(s, d, PKI_KEYOWN_PAIR, &own, &st, note,
		    sizeof(note));
		ok(st.st_uid == 65534 && st.st_gid == 65534 &&
		    (st.st_mode & 07777) == 0600,
		    "owner: a mode only: the old key's owner, that mode");
	} else
		for (n = 0; n < 6; n++)
			skip("owner: needs root to give a key away");
	pki_set_free(s);
	s = NULL;

	/* A generation named from the future is not current. */
	snprintf(lnk, sizeof(lnk), "%s/current", d);
	if ((n = readlink(lnk, cur, sizeof(cur) - 1)) == -1) {
		ok(0, "owner: readlink: %s", strerror(errno));
		return;
	}
	cur[n] = '\0';
	snprintf(path, sizeof(path), "%s/%s", d, cur);
	snprintf(fut, sizeof(fut), "%s/gen/29991231T000000.000000Z-0a", d);
	if (rename(path, fut) == -1 || unlink(lnk) == -1 ||
	    symlink("gen/29991231T000000.000000Z-0a", lnk) == -1) {
		ok(0, "owner: set up the future: %s", strerror(errno));
		return;
	}
	r = pki_set_open(d, NAME, &s, &err);
	is_int(r, PKI_ERR_INPUT, "future generation: refused");
	ok(r != PKI_OK && strstr(err.text, "refused: named from the "
	    "future") != NULL, "future generation: says so: %s",
	    r != PKI_OK ? err.text : "");
	pki_set_free(s);
}

int
main(void)
{
	char	tmpl[] = "/tmp/t-set.XXXXXX";

	if (mkdtemp(tmpl) == NULL) {
		diag("mkdtemp: %s", strerror(errno));
		return 1;
	}
	snprintf(top, sizeof(top), "%s", tmpl);
	test_lock();
	test_special();
	test_generations();
	test_shared();
	test_beside_ca();
	test_convert_edges();
	test_cleanup();
	test_fixed();
	test_owner_decide();
	test_owner();
	test_crash();
	(void)rm_rf(top);
	return done_testing();
}
