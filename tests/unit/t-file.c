/*
 * t-file.c: pki_file_write_set(): contents, modes, symlinks, rollback and
 * no leftover temporary files; pki_file_write_set_hook(): the hook as the
 * last step, its failure undoing the set.
 *
 * renameat(), fsync(), syncfs() and fchmod() are interposed below (this program's definitions
 * win over libc's for the library code linked into it) so that a failure
 * can be injected at an exact point; when no failure is armed they call
 * the real functions.
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pki.h"
#include "internal.h"
#include "../tap.h"

/* Fault injection: fail the Nth call (1-based) with errno; 0 = never. */
static int	rename_fail_at, rename_errno, rename_calls;
static int	fsync_fail_at, fsync_errno, fsync_calls;
static int	syncfs_fail_at, syncfs_errno, syncfs_calls;
/* Modes the temporaries had when created (seen by fchmod). */
static mode_t	created_modes[8];
static int	ncreated;

int
renameat(int olddfd, const char *oldpath, int newdfd, const char *newpath)
{
	if (rename_fail_at > 0 && ++rename_calls == rename_fail_at) {
		errno = rename_errno;
		return -1;
	}
#ifdef SYS_renameat
	return (int)syscall(SYS_renameat, olddfd, oldpath, newdfd, newpath);
#else
	return (int)syscall(SYS_renameat2, olddfd, oldpath, newdfd, newpath, 0);
#endif
}

int
fchmod(int fd, mode_t mode)
{
	struct stat	st;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ncreated < 8)
		created_modes[ncreated++] = st.st_mode & 07777;
	return (int)syscall(SYS_fchmod, fd, mode);
}

int
fsync(int fd)
{
	if (++fsync_calls == fsync_fail_at) {
		errno = fsync_errno;
		return -1;
	}
	return (int)syscall(SYS_fsync, fd);
}

int
syncfs(int fd)
{
	if (++syncfs_calls == syncfs_fail_at) {
		errno = syncfs_errno;
		return -1;
	}
	return (int)syscall(SYS_syncfs, fd);
}

static char	top[1024];

static const char *
P(const char *rel)
{
	static char	buf[4][PATH_MAX];
	static int	k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", top, rel);
	return buf[k];
}

static int
mode_of(const char *path)
{
	struct stat	st;

	if (lstat(path, &st) == -1)
		return -1;
	return st.st_mode & 07777;
}

/* Returns the file's contents or "(missing)"; static buffer. */
static const char *
content(const char *path)
{
	static char	 buf[4][256];
	static int	 k;
	char		*s;

	k = (k + 1) % 4;
	if ((s = tap_slurp(path, NULL)) == NULL)
		return "(missing)";
	snprintf(buf[k], sizeof(buf[k]), "%s", s);
	free(s);
	return buf[k];
}

static void
put(const char *path, const char *s, mode_t mode)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL || fputs(s, f) == EOF ||
	    fclose(f) == EOF) {
		diag("cannot create %s: %s", path, strerror(errno));
		exit(2);
	}
	if (chmod(path, mode) == -1)
		exit(2);
}

/* Counts names starting with "." (other than . and ..) under dir. */
static int
dotfiles(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	char		 sub[PATH_MAX];
	int		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_name[0] == '.') {
			diag("leftover: %s/%s", dir, de->d_name);
			n++;
		}
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR)
			n += dotfiles(sub);
	}
	closedir(d);
	return n;
}

/* ok if r is PKI_OK; otherwise shows the error text. */
static void
wr_ok(int r, const struct pki_error *err, const char *name)
{
	if (!is_int(r, PKI_OK, "%s", name))
		diag("error: %s", err->text);
}

/* The usual cfssljson set: cert 0664, key 0600, csr 0644. */
static void
set3(struct pki_file *fs, const char *dir, const char *tag)
{
	static char	paths[3][PATH_MAX], data[3][64];
	static const char *sfx[3] = { ".pem", "-key.pem", ".csr" };
	static const mode_t modes[3] = { 0664, 0600, 0644 };
	int		i;

	for (i = 0; i < 3; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/%s/x%s", top, dir,
		    sfx[i]);
		snprintf(data[i], sizeof(data[i]), "%s %d\n", tag, i);
		fs[i].path = paths[i];
		fs[i].data = data[i];
		fs[i].len = strlen(data[i]);
		fs[i].mode = modes[i];
	}
}

static void
test_modes(void)
{
	struct pki_file		fs[3];
	struct pki_error	err;
	int			r;

	memset(&err, 0, sizeof(err));
	(void)mkdir(P("m"), 0755);

	umask(022);
	set3(fs, "m", "new");
	memset(&err, 0, sizeof(err));
	ncreated = 0;
	r = pki_file_write_set(fs, 3, &err);
	wr_ok(r, &err, "umask 022: write 3 files");
	is_str(content(P("m/x.pem")), "new 0\n", "cert contents");
	is_str(content(P("m/x-key.pem")), "new 1\n", "key contents");
	is_str(content(P("m/x.csr")), "new 2\n", "csr contents");
	is_int(mode_of(P("m/x.pem")), 0644, "umask 022: cert 0644");
	is_int(mode_of(P("m/x-key.pem")), 0600, "umask 022: key 0600");
	is_int(mode_of(P("m/x.csr")), 0644, "umask 022: csr 0644");
	is_int(ncreated, 3, "three temporaries created");
	is_int(created_modes[1], 0600, "key temporary created 0600");
	is_int(dotfiles(P("m")), 0, "umask 022: no leftover dot-files");

	umask(0);
	set3(fs, "m", "zero");
	r = pki_file_write_set(fs, 3, &err);
	wr_ok(r, &err, "umask 000: write");
	is_int(mode_of(P("m/x-key.pem")), 0600, "umask 000: key 0600");
	is_int(mode_of(P("m/x.pem")), 0664, "umask 000: cert 0664");
	is_str(content(P("m/x-key.pem")), "zero 1\n", "umask 000: replaced");

	umask(077);
	set3(fs, "m", "seven");
	r = pki_file_write_set(fs, 3, &err);
	wr_ok(r, &err, "umask 077: write");
	is_int(mode_of(P("m/x.pem")), 0600, "umask 077: cert 0600");
	is_int(mode_of(P("m/x-key.pem")), 0600, "umask 077: key 0600");
	is_int(mode_of(P("m/x.csr")), 0600, "umask 077: csr 0600");

	/* The umask never narrows a private mode: fchmod makes it exact. */
	umask(0377);
	set3(fs, "m", "narrow");
	r = pki_file_write_set(fs, 3, &err);
	wr_ok(r, &err, "umask 377: write");
	is_int(mode_of(P("m/x-key.pem")), 0600, "umask 377: key still 0600");
	is_int(mode_of(P("m/x.pem")), 0400, "umask 377: cert 0400");
	umask(022);

	/* A key that used to be world-readable becomes 0600. */
	(void)mkdir(P("k"), 0755);
	put(P("k/x-key.pem"), "old key\n", 0644);
	set3(fs, "k", "rekey");
	r = pki_file_write_set(&fs[1], 1, &err);
	wr_ok(r, &err, "replace a 0644 key");
	is_int(mode_of(P("k/x-key.pem")), 0600, "replaced key is 0600");
	is_str(content(P("k/x-key.pem")), "rekey 1\n", "replaced key contents");
	is_int(dotfiles(P("k")), 0, "no backup left after success");

	/* Relative names are resolved against the working directory. */
	if (chdir(P("k")) == 0) {
		struct pki_file	rel = { "rel.pem", "rel\n", 4, 0644 };

		r = pki_file_write_set(&rel, 1, &err);
		wr_ok(r, &err, "relative name");
		is_str(content(P("k/rel.pem")), "rel\n", "relative contents");
		(void)chdir("/");
	} else {
		ok(0, "chdir: %s", strerror(errno));
		ok(0, "relative contents");
	}
}

/* pki_cfssljson_write: cfssljson's names and modes, the items present. */
static void
test_cfssljson(void)
{
	struct pki_error	 err;
	const char		*data[PKI_CJ__COUNT];
	size_t			 len[PKI_CJ__COUNT];
	char			 base[PATH_MAX];

	memset(&err, 0, sizeof(err));
	memset(data, 0, sizeof(data));
	memset(len, 0, sizeof(len));
	(void)mkdir(P("cj"), 0755);
	snprintf(base, sizeof(base), "%s", P("cj/etcd1"));
	data[PKI_CJ_CERT] = "cert\n";
	len[PKI_CJ_CERT] = 5;
	data[PKI_CJ_KEY] = "key\n";
	len[PKI_CJ_KEY] = 4;
	data[PKI_CJ_CSR] = "csr\n";
	len[PKI_CJ_CSR] = 0;		/* empty: absent */
	data[PKI_CJ_OCSP] = "\x30\x03";
	len[PKI_CJ_OCSP] = 2;
	umask(022);
	wr_ok(pki_cfssljson_write(base, data, len, &err), &err,
	    "cfssljson: written");
	is_str(content(P("cj/etcd1.pem")), "cert\n", "cfssljson: BASE.pem");
	is_int(mode_of(P("cj/etcd1-key.pem")), 0600, "cfssljson: "
	    "BASE-key.pem, 0600");
	is_int(mode_of(P("cj/etcd1-response.der")), 0644, "cfssljson: "
	    "BASE-response.der, 0644");
	ok(access(P("cj/etcd1.csr"), F_OK) == -1, "cfssljson: an empty item "
	    "is not written");
	is_int(dotfiles(P("cj")), 0, "cfssljson: no leftover dot-files");
}

/* pki_note_record: -record's JSON lines, appended; never through a link. */
static void
test_record(void)
{
	struct pki_note		 n;
	struct pki_error	 err;
	char			*t;

	memset(&err, 0, sizeof(err));
	memset(&n, 0, sizeof(n));
	(void)mkdir(P("rec"), 0755);
	n.kind = PKI_NOTE_STEP;
	n.event = "locked";
	n.name = "etcd1";
	n.text = "lock \"x\" held";
	umask(022);
	wr_ok(pki_note_record(P("rec/r.jsonl"), &n, &err), &err,
	    "record: a line");
	n.event = NULL;
	n.name = NULL;
	n.text = "done";
	wr_ok(pki_note_record(P("rec/r.jsonl"), &n, &err), &err,
	    "record: another, appended");
	if ((t = tap_slurp(P("rec/r.jsonl"), NULL)) == NULL &&
	    (t = strdup("(missing)")) == NULL) {
		diag("out of memory");
		exit(1);
	}
	ok(strncmp(t, "{\"time\":", 8) == 0, "record: starts with the time "
	    "(%.40s)", t);
	ok(strstr(t, "\"member\":\"etcd1\",\"event\":\"locked\",\"detail\":"
	    "\"lock \\\"x\\\" held\"}\n{") != NULL, "record: member, event, "
	    "detail escaped, one line each");
	ok(strstr(t, "\"member\":\"\",\"event\":\"\",\"detail\":\"done\"}\n")
	    != NULL, "record: absent member and event are \"\"");
	free(t);
	is_int(mode_of(P("rec/r.jsonl")), 0644, "record: mode 0644");
	if (symlink("r.jsonl", P("rec/link")) != 0)
		diag("symlink failed");
	is_int(pki_note_record(P("rec/link"), &n, &err), PKI_ERR_IO,
	    "record: not through a link");
}

static void
test_symlink(void)
{
	struct pki_file		fs[3];
	struct pki_error	err;
	char			buf[PATH_MAX];
	int			r;

	memset(&err, 0, sizeof(err));
	(void)mkdir(P("s"), 0755);
	put(P("s/dest"), "destination\n", 0644);
	if (symlink("dest", P("s/x.pem")) == -1)
		diag("symlink: %s", strerror(errno));
	set3(fs, "s", "via");
	r = pki_file_write_set(fs, 1, &err);
	wr_ok(r, &err, "write over a symlink");
	ok(readlink(P("s/x.pem"), buf, sizeof(buf)) == -1 && errno == EINVAL,
	    "the link itself was replaced by a regular file");
	is_str(content(P("s/x.pem")), "via 0\n", "new contents at the name");
	is_str(content(P("s/dest")), "destination\n",
	    "the link's destination is untouched");

	/* A dangling link is replaced as well, nothing is created at its end. */
	if (symlink("nowhere", P("s/x.csr")) == -1)
		diag("symlink: %s", strerror(errno));
	r = pki_file_write_set(&fs[2], 1, &err);
	wr_ok(r, &err, "write over a dangling symlink");
	is_int(mode_of(P("s/nowhere")), -1, "dangling link not followed");
	is_int(dotfiles(P("s")), 0, "symlinks: no leftover dot-files");
}

static void
test_failures(void)
{
	struct pki_file		fs[3];
	struct pki_error	err;
	char			want[PATH_MAX + 64];
	int			r;

	/* The second target is a directory. */
	memset(&err, 0, sizeof(err));
	(void)mkdir(P("f"), 0755);
	put(P("f/x.pem"), "old cert\n", 0644);
	(void)mkdir(P("f/x-key.pem"), 0755);
	set3(fs, "f", "bad");
	r = pki_file_write_set(fs, 3, &err);
	is_int(r, PKI_ERR_IO, "second target a directory: PKI_ERR_IO");
	snprintf(want, sizeof(want), "%s: is a directory", fs[1].path);
	is_str(err.text, want, "message names the directory");
	is_int(err.sys_errno, EISDIR, "sys_errno EISDIR");
	is_str(content(P("f/x.pem")), "old cert\n",
	    "first target unchanged");
	is_int(mode_of(P("f/x.csr")), -1, "third target not created");
	is_int(dotfiles(P("f")), 0, "directory case: no leftover dot-files");
	(void)rmdir(P("f/x-key.pem"));

	/* The directory of the third file does not exist. */
	put(P("f/x-key.pem"), "old key\n", 0600);
	fs[2].path = P("f/nodir/x.csr");
	r = pki_file_write_set(fs, 3, &err);
	is_int(r, PKI_ERR_IO, "missing directory: PKI_ERR_IO");
	snprintf(want, sizeof(want), "%s: cannot write: %s", fs[2].path,
	    strerror(ENOENT));
	is_str(err.text, want, "message: cannot write: No such file");
	is_int(err.sys_errno, ENOENT, "sys_errno ENOENT");
	is_str(content(P("f/x.pem")), "old cert\n", "first target unchanged");
	is_str(content(P("f/x-key.pem")), "old key\n", "second unchanged");
	is_int(dotfiles(P("f")), 0, "missing dir: no leftover dot-files");

	/*
	 * Syncs: a set of several files costs one syncfs (the contents,
	 * before the renames) and one fsync per directory (the names); a
	 * single file its own fsync and its directory's.
	 */
	(void)mkdir(P("g"), 0755);
	set3(fs, "g", "count");
	fsync_calls = syncfs_calls = 0;
	r = pki_file_write_set(fs, 3, &err);
	is_int(r, PKI_OK, "three files: written");
	is_int(syncfs_calls, 1, "three files: one syncfs");
	is_int(fsync_calls, 1, "three files: one fsync (the directory)");
	fsync_calls = syncfs_calls = 0;
	r = pki_file_write_set(fs, 1, &err);
	is_int(r, PKI_OK, "one file: written");
	is_int(syncfs_calls, 0, "one file: no syncfs");
	is_int(fsync_calls, 2, "one file: two fsyncs (file, directory)");

	/* fsync of a single file's temporary fails (a full disk, say). */
	set3(fs, "f", "sync");
	fsync_calls = 0;
	fsync_fail_at = 1;
	fsync_errno = ENOSPC;
	r = pki_file_write_set(fs, 1, &err);
	fsync_fail_at = 0;
	is_int(r, PKI_ERR_IO, "fsync failure: PKI_ERR_IO");
	snprintf(want, sizeof(want), "%s: cannot write: %s", fs[0].path,
	    strerror(ENOSPC));
	is_str(err.text, want, "message: cannot write: No space left");
	is_str(err.source, fs[0].path, "source is the target");
	is_str(content(P("f/x.pem")), "old cert\n", "the target unchanged");
	is_int(dotfiles(P("f")), 0, "fsync failure: no leftover dot-files");

	/* The syncfs of a set of three fails: nothing is renamed. */
	syncfs_calls = 0;
	syncfs_fail_at = 1;
	syncfs_errno = ENOSPC;
	r = pki_file_write_set(fs, 3, &err);
	syncfs_fail_at = 0;
	is_int(r, PKI_ERR_IO, "syncfs failure: PKI_ERR_IO");
	snprintf(want, sizeof(want), "%s: cannot sync: %s", P("f"),
	    strerror(ENOSPC));
	is_str(err.text, want, "message: cannot sync: No space left");
	is_str(err.source, P("f"), "source is the directory");
	is_str(content(P("f/x.pem")), "old cert\n", "first target unchanged");
	is_str(content(P("f/x-key.pem")), "old key\n", "second unchanged");
	is_int(mode_of(P("f/x.csr")), -1, "third not created");
	is_int(dotfiles(P("f")), 0, "syncfs failure: no leftover dot-files");

	/*
	 * The third rename fails: the first (existed) is restored from its
	 * backup, the second (did not exist) is removed again.
	 */
	(void)unlink(P("f/x-key.pem"));
	put(P("f/x.csr"), "old csr\n", 0644);
	set3(fs, "f", "roll");
	rename_calls = 0;
	rename_fail_at = 3;
	rename_errno = EIO;
	r = pki_file_write_set(fs, 3, &err);
	rename_fail_at = 0;
	is_int(r, PKI_ERR_IO, "third rename fails: PKI_ERR_IO");
	snprintf(want, sizeof(want), "%s: cannot write: %s", fs[2].path,
	    strerror(EIO));
	is_str(err.text, want, "message names the third target");
	is_str(content(P("f/x.pem")), "old cert\n", "first target restored");
	is_int(mode_of(P("f/x.pem")), 0644, "first target keeps its mode");
	is_int(mode_of(P("f/x-key.pem")), -1, "second target removed again");
	is_str(content(P("f/x.csr")), "old csr\n", "third target unchanged");
	is_int(dotfiles(P("f")), 0, "rollback: no leftover dot-files");

	/* Bad arguments. */
	fs[1].path = fs[0].path;
	r = pki_file_write_set(fs, 2, &err);
	is_int(r, PKI_ERR_ARG, "the same name twice: PKI_ERR_ARG");
	fs[0].path = "";
	r = pki_file_write_set(fs, 1, &err);
	is_int(r, PKI_ERR_ARG, "empty name: PKI_ERR_ARG");
	fs[0].path = P("f/");
	r = pki_file_write_set(fs, 1, NULL);
	is_int(r, PKI_ERR_IO, "trailing slash: an error, even without err");
	is_int(pki_file_write_set(NULL, 0, &err), PKI_OK, "empty set: ok");
	is_int(dotfiles(top), 0, "nothing left anywhere under the test dir");
}

static int	hook_calls, hook_result;

static int
hook(void *arg, struct pki_error *err)
{
	hook_calls++;
	is_str(content(arg), "hook 0\n", "the hook runs with the new file "
	    "in place");
	if (hook_result != 0)
		snprintf(err->text, sizeof(err->text), "hook failed");
	return hook_result;
}

static void
test_hook(void)
{
	static char		xpem[PATH_MAX];
	struct pki_file		fs[3];
	struct pki_error	err;

	memset(&err, 0, sizeof(err));
	snprintf(xpem, sizeof(xpem), "%s", P("h/x.pem"));
	(void)mkdir(P("h"), 0755);
	put(P("h/x.pem"), "old cert\n", 0644);
	set3(fs, "h", "hook");
	hook_calls = 0;
	hook_result = PKI_ERR_IO;
	is_int(pki_file_write_set_hook(fs, 3, hook, xpem,
	    &err), PKI_ERR_IO, "a failing hook fails the set");
	is_str(err.text, "hook failed", "with the hook's error");
	is_str(content(P("h/x.pem")), "old cert\n", "the first file restored");
	is_int(mode_of(P("h/x.csr")), -1, "a new file removed again");
	is_int(dotfiles(P("h")), 0, "failing hook: no leftover dot-files");
	hook_result = 0;
	is_int(pki_file_write_set_hook(fs, 3, hook, xpem,
	    &err), PKI_OK, "a hook that succeeds");
	is_str(content(P("h/x.pem")), "hook 0\n", "the set is in place");
	is_int(hook_calls, 2, "the hook ran once per call");
	hook_calls = 0;
	is_int(pki_file_write_set_hook(fs, 0, hook, xpem,
	    &err), PKI_OK, "no files: the hook still runs");
	is_int(hook_calls, 1, "...once");
}

static void
rmtree(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	char		 sub[PATH_MAX];

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR)
			rmtree(sub);
		else
			(void)unlink(sub);
	}
	closedir(d);
	(void)rmdir(dir);
}

/* pki_file_absent: nothing there, a file, a dangling link. */
static void
test_absent(void)
{
	struct pki_error	err;
	char			p[1100], l[1100];

	memset(&err, 0, sizeof(err));
	snprintf(p, sizeof(p), "%s/absent.json", top);
	snprintf(l, sizeof(l), "%s/absent-link", top);
	ok(pki_file_absent(p, &err) == 0, "absent: nothing there");
	put(p, "{}", 0644);
	ok(pki_file_absent(p, &err) == PKI_ERR_IO &&
	    strstr(err.text, "file exists: not overwriting it") != NULL,
	    "absent: a file is there");
	ok(symlink("nowhere", l) == 0 && pki_file_absent(l, &err) ==
	    PKI_ERR_IO, "absent: a dangling link counts");
	snprintf(p, sizeof(p), "%s/absent.json/x", top);
	ok(pki_file_absent(p, &err) != 0 && strstr(err.text,
	    "Not a directory") != NULL, "absent: lstat's error");
}

/* A prepared file (PKI_FILE_PREPARED) joins a set as its temporary. */
static void
test_prepared(void)
{
	struct pki_file		fs[3];
	struct pki_error	err;
	static char		db[PATH_MAX];

	memset(&err, 0, sizeof(err));
	(void)mkdir(P("p"), 0755);
	umask(022);
	snprintf(db, sizeof(db), "%s", P("p/inv.db"));
	put(P("p/.inv.db.0a1b2c"), "built\n", 0600);
	set3(fs, "p", "prep");
	fs[2] = (struct pki_file){ db, ".inv.db.0a1b2c", PKI_FILE_PREPARED,
	    0644 };
	fsync_calls = syncfs_calls = 0;
	wr_ok(pki_file_write_set(fs, 3, &err), &err, "prepared: written");
	is_str(content(P("p/inv.db")), "built\n", "prepared: its contents "
	    "in place");
	is_int(mode_of(P("p/inv.db")), 0644, "prepared: 0600 made 0644 "
	    "(umask 022)");
	is_int(syncfs_calls, 1, "prepared: synced with the others (syncfs)");
	is_int(mode_of(P("p/.inv.db.0a1b2c")), -1, "prepared: its name gone");
	is_int(dotfiles(P("p")), 0, "prepared: no leftover dot-files");

	/* Alone: fsync'ed itself, then the directory. */
	put(P("p/.inv.db.3d4e5f"), "again\n", 0600);
	fs[2].data = ".inv.db.3d4e5f";
	fsync_calls = 0;
	wr_ok(pki_file_write_set(&fs[2], 1, &err), &err, "prepared alone: "
	    "written");
	is_int(fsync_calls, 2, "prepared alone: two fsyncs (file, directory)");
	is_str(content(P("p/inv.db")), "again\n", "prepared alone: replaced");

	/* Taken over, then a rename fails: removed with the set. */
	put(P("p/.inv.db.6a7b8c"), "lost\n", 0600);
	fs[2].data = ".inv.db.6a7b8c";
	rename_calls = 0;
	rename_fail_at = 3;
	rename_errno = EIO;
	is_int(pki_file_write_set(fs, 3, &err), PKI_ERR_IO, "prepared: a "
	    "failed rename fails the set");
	rename_fail_at = 0;
	is_str(content(P("p/inv.db")), "again\n", "prepared: the target as "
	    "it was");
	is_int(dotfiles(P("p")), 0, "prepared: taken over, then removed");

	/* Not taken over (an earlier file fails first): left to the caller. */
	put(P("p/.inv.db.9d0e1f"), "kept\n", 0600);
	fs[2].data = ".inv.db.9d0e1f";
	fs[0].path = P("p/nodir/x.pem");
	is_int(pki_file_write_set(fs, 3, &err), PKI_ERR_IO, "prepared: an "
	    "earlier missing directory fails the set");
	is_str(content(P("p/.inv.db.9d0e1f")), "kept\n", "prepared: not "
	    "taken over, still there for the caller");
	(void)unlink(P("p/.inv.db.9d0e1f"));
	set3(fs, "p", "prep");

	/* Refused: a path, a directory, a trial. */
	fs[2] = (struct pki_file){ db, "sub/.x", PKI_FILE_PREPARED, 0644 };
	is_int(pki_file_write_set(&fs[2], 1, &err), PKI_ERR_ARG, "prepared: "
	    "a name with a slash is refused");
	(void)mkdir(P("p/.inv.db.dddddd"), 0700);
	fs[2].data = ".inv.db.dddddd";
	is_int(pki_file_write_set(&fs[2], 1, &err), PKI_ERR_IO, "prepared: "
	    "a directory is refused");
	is_int(mode_of(P("p/inv.db")), 0644, "prepared: the target untouched");
	(void)rmdir(P("p/.inv.db.dddddd"));
	is_int(pki_file_write_trial(&fs[2], 1, &err), PKI_ERR_ARG, "prepared: "
	    "a trial is refused");
}

/* The names of a set's temporary files, for the sweeps of killed runs. */
static void
test_tmpnames(void)
{
	struct pki_error	err;
	char			name[NAME_MAX + 1], longbase[121], longtmp[128];
	int			dfd;

	memset(&err, 0, sizeof(err));
	ok(pki_file_is_tmp_of(".x.pem.Ab12Cd", "x.pem") &&
	    pki_file_is_tmp_of(".x.pem.old.Ab12Cd", "x.pem"),
	    "tmp name: .BASE.XXXXXX and .BASE.old.XXXXXX");
	ok(!pki_file_is_tmp_of(".x.pem.Ab12C", "x.pem") &&
	    !pki_file_is_tmp_of(".x.pem.Ab12Cd7", "x.pem") &&
	    !pki_file_is_tmp_of(".x.pem.Ab-2Cd", "x.pem") &&
	    !pki_file_is_tmp_of("x.pem.Ab12Cd", "x.pem") &&
	    !pki_file_is_tmp_of(".y.pem.Ab12Cd", "x.pem") &&
	    !pki_file_is_tmp_of(".x.pem.Ab12Cd", "") &&
	    !pki_file_is_tmp_of(".x.pem.new.Ab12Cd", "x.pem"),
	    "tmp name: nothing else (length, characters, base, tag)");
	memset(longbase, 'a', 120);
	longbase[120] = '\0';
	snprintf(longtmp, sizeof(longtmp), ".%.100s.Zz0099", longbase);
	ok(pki_file_is_tmp_of(longtmp, longbase), "tmp name: a base over 100 "
	    "bytes is cut as the set cuts it");
	(void)mkdir(P("n"), 0755);
	dfd = open(P("n"), O_RDONLY | O_DIRECTORY);
	umask(022);
	ok(dfd != -1 && pki_file_tmp_create(dfd, "inv.db", name, sizeof(name),
	    &err) == PKI_OK && pki_file_is_tmp_of(name, "inv.db"),
	    "tmp_create: a set's temporary name (%s)", err.text);
	{
		char	path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", P("n"), name);
		is_int(mode_of(path), 0600, "tmp_create: private (0600)");
		(void)unlink(path);
	}
	if (dfd != -1)
		(void)close(dfd);
}

int
main(void)
{
	const char	*tmp = getenv("TMPDIR");

	snprintf(top, sizeof(top), "%s/t-file.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(top) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	plan(76 + 13 + 13 + 4 + 18 + 5);
	test_modes();
	test_cfssljson();
	test_record();
	test_symlink();
	test_failures();
	test_hook();
	test_absent();
	test_prepared();
	test_tmpnames();
	rmtree(top);
	return done_testing();
}
