/*
 * inventory.c: the inventory of a cluster's certificates, an SQLite
 * database in cfssl's certdb schema plus etcd-pki's own tables (see
 * pki.h).  The only file of the library that uses SQLite.
 *
 * cfssl's columns are written as its Go code writes them, so that cfssl
 * reads them back: serial_number decimal, authority_key_identifier
 * lower-case hex without colons, status "good" or "revoked", timestamps
 * as "2006-01-02 15:04:05+00:00" (revoked_at of a good certificate is
 * Go's zero time), every value bound as text (a BLOB never compares
 * equal to cfssl's text parameters).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <sqlite3.h>

#include "config.h"
#include "dl.h"
#include "facts.h"
#include "internal.h"
#include "json.h"
#include "x509priv.h"

#define INV_SCHEMA	1		/* etcd_pki_meta schema_version */
#define INV_BUSY_MS	10000
#define GO_ZERO_TIME	"0001-01-01 00:00:00+00:00"

/*
 * SQLite is not linked but loaded on first use (dl.h): only the commands
 * that read or write an inventory load it.  SQ_FNS lists the entry points
 * this file calls; the table's entries get their types from sqlite3.h.
 * Process-wide, written once by the loader.
 */
#define SQ_FNS(X)							\
	X(bind_blob) X(bind_int) X(bind_int64) X(bind_null)		\
	X(bind_text) X(busy_timeout) X(changes) X(close) X(column_int)	\
	X(column_int64) X(column_text) X(column_type) X(errmsg) X(exec)	\
	X(extended_errcode) X(extended_result_codes) X(finalize)	\
	X(free) X(get_autocommit) X(open_v2) X(prepare_v2) X(reset)	\
	X(serialize) X(step) X(vfs_find) X(vfs_register)		\
	X(vfs_unregister)
#define SQ_FIELD(f)	__typeof__(&sqlite3_##f) f;
#define SQ_SYM(f)	PKI_DL_SYM(struct sqlite_fns, f, "sqlite3_" #f),

struct sqlite_fns {
	SQ_FNS(SQ_FIELD)
};
static struct sqlite_fns		sq;
static const struct pki_dl_sym		sq_syms[] = { SQ_FNS(SQ_SYM) };
static struct pki_dl			sq_lib = PKI_DL_INIT(PKI_SONAME_SQLITE,
    "the certificate inventory", "libsqlite3-0", sq_syms, &sq);

/*
 * The system's reason for a failed write, sync or open is lost by the
 * time SQLite reports it ("disk I/O error"): each inventory opens its
 * database through its own VFS, a thin layer over the default one that
 * keeps the errno of the last such failure (last_errno).
 */
struct inv_vfs {
	sqlite3_vfs	 vfs;		/* first: what SQLite is given */
	sqlite3_vfs	*real;
	int		 last_errno;
	int		 no_readonly;	/* a database opened read-write stays
					   so or fails (no read-only retry) */
	char		 name[64];
};

/* A file of the layer: ours, then the real VFS's (szOsFile bytes). */
struct inv_file {
	sqlite3_file	 base;
	struct inv_vfs	*v;
	sqlite3_file	*real;
};

struct pki_inventory {
	sqlite3		*db;
	char		*path;
	int		 cfssl_only;	/* no etcd_pki_* tables */
	struct inv_vfs	*vfs;		/* registered while open */
	sqlite3_stmt	*add_cst;	/* pki_inventory_add's statements, */
	sqlite3_stmt	*add_est;	/* prepared once (NULL: not yet) */
};

static const char schema_sql[] =
    /* cfssl certdb: 001_CreateCertificates.sql with blob columns (not the
     * 1.2.0 bytea, which gives NUMERIC affinity and mangles serials),
     * and master's 002_AddMetadataToCertificates.sql. */
    "CREATE TABLE IF NOT EXISTS certificates ("
    " serial_number blob NOT NULL,"
    " authority_key_identifier blob NOT NULL,"
    " ca_label blob,"
    " status blob NOT NULL,"
    " reason int,"
    " expiry timestamp,"
    " revoked_at timestamp,"
    " pem blob NOT NULL,"
    " issued_at timestamp,"
    " not_before timestamp,"
    " metadata text,"
    " sans text,"
    " common_name text,"
    " PRIMARY KEY(serial_number, authority_key_identifier));"
    "CREATE TABLE IF NOT EXISTS ocsp_responses ("
    " serial_number blob NOT NULL,"
    " authority_key_identifier blob NOT NULL,"
    " body blob NOT NULL,"
    " expiry timestamp,"
    " PRIMARY KEY(serial_number, authority_key_identifier),"
    " FOREIGN KEY(serial_number, authority_key_identifier)"
    "  REFERENCES certificates(serial_number, authority_key_identifier));"
    "CREATE TABLE IF NOT EXISTS etcd_pki_certificates ("
    " serial_number text NOT NULL,"
    " authority_key_identifier text NOT NULL,"
    " kind text NOT NULL,"
    " name text NOT NULL,"
    " leaf text NOT NULL,"
    " subject text NOT NULL,"
    " sans text NOT NULL,"
    " not_before integer NOT NULL,"
    " not_after integer NOT NULL,"
    " issued_at integer NOT NULL,"
    " origin text NOT NULL,"
    " PRIMARY KEY(serial_number, authority_key_identifier));"
    "CREATE TABLE IF NOT EXISTS etcd_pki_crls ("
    " number integer PRIMARY KEY,"
    " authority_key_identifier text NOT NULL,"
    " this_update integer NOT NULL,"
    " next_update integer NOT NULL,"
    " entries integer NOT NULL,"
    " der blob NOT NULL);"
    "CREATE TABLE IF NOT EXISTS etcd_pki_meta ("
    " key text PRIMARY KEY,"
    " value text NOT NULL);"
    "INSERT OR IGNORE INTO etcd_pki_meta VALUES ('schema_version', '1');";

/* ---- the VFS layer that keeps the errno ---------------------------------- */

#define REAL(f)		(((struct inv_file *)(f))->real)

/* rc from a write, sync or truncate: keep errno when it failed. */
static int
keep(sqlite3_file *f, int rc)
{
	if (rc != SQLITE_OK && errno != 0)
		((struct inv_file *)f)->v->last_errno = errno;
	return rc;
}

static int
io_close(sqlite3_file *f)
{
	return REAL(f)->pMethods != NULL ?
	    REAL(f)->pMethods->xClose(REAL(f)) : SQLITE_OK;
}

static int
io_read(sqlite3_file *f, void *b, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), b, n, off);
}

static int
io_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 off)
{
	errno = 0;
	return keep(f, REAL(f)->pMethods->xWrite(REAL(f), b, n, off));
}

static int
io_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	errno = 0;
	return keep(f, REAL(f)->pMethods->xTruncate(REAL(f), size));
}

static int
io_sync(sqlite3_file *f, int flags)
{
	errno = 0;
	return keep(f, REAL(f)->pMethods->xSync(REAL(f), flags));
}

static int
io_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int
io_lock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xLock(REAL(f), l);
}

static int
io_unlock(sqlite3_file *f, int l)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), l);
}

static int
io_reserved(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int
io_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int
io_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int
io_device(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

/* Version 1 methods: no shared memory (no WAL) and no mmap. */
static const sqlite3_io_methods inv_io = {
	1, io_close, io_read, io_write, io_truncate, io_sync, io_size,
	io_lock, io_unlock, io_reserved, io_control, io_sector, io_device,
	NULL, NULL, NULL, NULL, NULL, NULL
};

/*
 * Creates the rollback journal name (for the database it is named after)
 * and syncs its directory, failing when that sync fails: SQLite's own
 * unix VFS syncs the directory of a journal it creates but ignores a
 * failure (some file systems cannot), which would let a commit succeed
 * whose journal might not survive a crash.  The journal gets the
 * database's mode and, for root, its owner, as SQLite gives it.  Returns
 * 1 when it was created here, 0 when it existed, -1 with errno set.
 */
static int
journal_create(const char *name)
{
	struct stat	 st;
	char		*db = NULL, *dir = NULL, *slash;
	size_t		 len = strlen(name);
	int		 fd, dfd, e, ret = -1;

	if (len < 8 || strcmp(name + len - 8, "-journal") != 0 ||
	    (db = strndup(name, len - 8)) == NULL ||
	    (dir = strdup(name)) == NULL)
		goto out;
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		snprintf(dir, len + 1, ".");
	if (stat(db, &st) == -1)
		goto out;
	if ((fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, st.st_mode & 0777)) == -1) {
		if (errno == EEXIST)
			ret = 0;
		goto out;
	}
	if ((geteuid() == 0 && fchown(fd, st.st_uid, st.st_gid) == -1) ||
	    fchmod(fd, st.st_mode & 0777) == -1 ||
	    (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		e = errno;
		(void)close(fd);
		(void)unlink(name);
		errno = e;
		goto out;
	}
	(void)close(fd);
	if (fsync(dfd) == -1 && errno != EINVAL && errno != EROFS) {
		e = errno;
		(void)close(dfd);
		(void)unlink(name);
		errno = e;
		goto out;
	}
	(void)close(dfd);
	ret = 1;
 out:
	free(db);
	free(dir);
	return ret;
}

static int
vfs_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
    int *oflags)
{
	struct inv_vfs	*v = (struct inv_vfs *)vfs;
	struct inv_file	*ff = (struct inv_file *)f;
	int		 rc;

	ff->v = v;
	ff->real = (sqlite3_file *)(ff + 1);
	ff->base.pMethods = NULL;
	errno = 0;
	/* A journal: created (and its directory synced) here, see above. */
	if (name != NULL && (flags & SQLITE_OPEN_MAIN_JOURNAL) &&
	    (flags & SQLITE_OPEN_CREATE)) {
		if (journal_create(name) < 0) {
			v->last_errno = errno != 0 ? errno : EIO;
			return SQLITE_CANTOPEN;
		}
		flags &= ~(SQLITE_OPEN_CREATE | SQLITE_OPEN_EXCLUSIVE);
	}
	rc = v->real->xOpen(v->real, name, ff->real, flags, oflags);
	if (rc != SQLITE_OK) {
		if (errno != 0)
			v->last_errno = errno;
		return rc;
	}
	/*
	 * The unix VFS opens read-only when read-write fails, and the
	 * reason (errno, kept) would show as "readonly database" later.
	 */
	if (v->no_readonly && (flags & SQLITE_OPEN_READWRITE) &&
	    oflags != NULL && (*oflags & SQLITE_OPEN_READONLY)) {
		v->last_errno = errno != 0 ? errno : EACCES;
		if (ff->real->pMethods != NULL)
			(void)ff->real->pMethods->xClose(ff->real);
		return SQLITE_CANTOPEN;
	}
	ff->base.pMethods = &inv_io;
	return SQLITE_OK;
}

static int
vfs_delete(sqlite3_vfs *vfs, const char *name, int sync)
{
	struct inv_vfs	*v = (struct inv_vfs *)vfs;

	return v->real->xDelete(v->real, name, sync);
}

static int
vfs_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	struct inv_vfs	*v = (struct inv_vfs *)vfs;

	return v->real->xAccess(v->real, name, flags, out);
}

static int
vfs_fullpath(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	struct inv_vfs	*v = (struct inv_vfs *)vfs;

	return v->real->xFullPathname(v->real, name, n, out);
}

static int
vfs_random(sqlite3_vfs *vfs, int n, char *out)
{
	struct inv_vfs	*v = (struct inv_vfs *)vfs;

	return v->real->xRandomness(v->real, n, out);
}

static int
vfs_sleep(sqlite3_vfs *vfs, int us)
{
	struct inv_vfs	*v = (struct inv_vfs *)vfs;

	return v->real->xSleep(v->real, us);
}

static int
vfs_time(sqlite3_vfs *vfs, double *out)
{
	struct inv_vfs	*v = (struct inv_vfs *)vfs;

	return v->real->xCurrentTime(v->real, out);
}

static int
vfs_lasterr(sqlite3_vfs *vfs, int n, char *out)
{
	struct inv_vfs	*v = (struct inv_vfs *)vfs;

	return v->real->xGetLastError(v->real, n, out);
}

static int
vfs_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	struct inv_vfs	*v = (struct inv_vfs *)vfs;

	return v->real->xCurrentTimeInt64(v->real, out);
}

/* A new layer over the default VFS, registered under a name of its own. */
static struct inv_vfs *
vfs_new(void)
{
	struct inv_vfs	*v;
	sqlite3_vfs	*real;

	if ((real = sq.vfs_find(NULL)) == NULL || real->iVersion < 2 ||
	    (v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	v->real = real;
	snprintf(v->name, sizeof(v->name), "etcd-pki-%p", (void *)v);
	v->vfs.iVersion = 2;
	v->vfs.szOsFile = (int)sizeof(struct inv_file) + real->szOsFile;
	v->vfs.mxPathname = real->mxPathname;
	v->vfs.zName = v->name;
	v->vfs.xOpen = vfs_open;
	v->vfs.xDelete = vfs_delete;
	v->vfs.xAccess = vfs_access;
	v->vfs.xFullPathname = vfs_fullpath;
	v->vfs.xRandomness = vfs_random;
	v->vfs.xSleep = vfs_sleep;
	v->vfs.xCurrentTime = vfs_time;
	v->vfs.xGetLastError = vfs_lasterr;
	v->vfs.xCurrentTimeInt64 = vfs_time64;
	if (sq.vfs_register(&v->vfs, 0) != SQLITE_OK) {
		free(v);
		return NULL;
	}
	return v;
}

static void
vfs_free(struct inv_vfs *v)
{
	if (v == NULL)
		return;
	(void)sq.vfs_unregister(&v->vfs);
	free(v);
}

/* ---- names --------------------------------------------------------------- */

static const char *const kind_names[] = { "other", "member", "client", "ca" };

const char *
pki_inventory_kind_name(int kind)
{
	if (kind < 0 || kind > PKI_INV_CA)
		return "other";
	return kind_names[kind];
}

static int
kind_parse(const char *s)
{
	int	i;

	for (i = PKI_INV_MEMBER; s != NULL && i <= PKI_INV_CA; i++)
		if (strcmp(s, kind_names[i]) == 0)
			return i;
	return PKI_INV_OTHER;
}

/*
 * An SQLite failure: "PATH: what: SQLite's message", and the system's
 * reason when a system call failed ("disk I/O error: Input/output
 * error"), as the VFS layer kept it.
 */
static int
db_err(struct pki_inventory *inv, struct pki_error *err, const char *what)
{
	int	e = inv->vfs != NULL ? inv->vfs->last_errno : 0;

	if (inv->vfs != NULL)
		inv->vfs->last_errno = 0;
	/* SQLite reports a full disk as SQLITE_FULL. */
	if (e == 0 && (sq.extended_errcode(inv->db) & 0xff) ==
	    SQLITE_FULL)
		e = ENOSPC;
	if (e != 0)
		return pki_err_sys(err, e, "%s: %s: %s", inv->path, what,
		    sq.errmsg(inv->db));
	return pki_err(err, PKI_ERR_IO, "%s: %s: %s", inv->path, what,
	    sq.errmsg(inv->db));
}

static int
db_exec(struct pki_inventory *inv, const char *sql, const char *what,
    struct pki_error *err)
{
	if (sq.exec(inv->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_err(inv, err, what);
	return PKI_OK;
}

static int
db_prepare(struct pki_inventory *inv, const char *sql, sqlite3_stmt **st,
    struct pki_error *err)
{
	if (sq.prepare_v2(inv->db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return db_err(inv, err, "prepare");
	}
	return PKI_OK;
}

/* Binds text (NULL: NULL) to parameter i. */
static int
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		return sq.bind_null(st, i);
	return sq.bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

/* A column's text, "" for NULL, as a new string (NULL: no memory). */
static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char	*t = sq.column_text(st, i);

	return strdup(t != NULL ? (const char *)t : "");
}

/* Does table name exist?  1, 0, or -1 after an error. */
static int
has_table(struct pki_inventory *inv, const char *name, struct pki_error *err)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (db_prepare(inv, "SELECT 1 FROM sqlite_master WHERE type = 'table' "
	    "AND name = ?", &st, err) != PKI_OK)
		return -1;
	bind_text(st, 1, name);
	rc = sq.step(st);
	sq.finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_err(inv, err, "read the schema");
		return -1;
	}
	return rc == SQLITE_ROW;
}

/* Checks (or, with create, makes) the tables. */
static int
check_schema(struct pki_inventory *inv, int flags, struct pki_error *err)
{
	sqlite3_stmt	*st = NULL;
	int		 r, version = 0;

	if (flags & PKI_INV_CREATE)
		return db_exec(inv, schema_sql, "create the tables", err);
	if ((r = has_table(inv, "certificates", err)) < 0)
		return PKI_ERR_IO;
	if (r == 0)
		return pki_err(err, PKI_ERR_INPUT, "%s: not a certificate "
		    "database (no table \"certificates\"; cfssl's certdb "
		    "migrations create it)", inv->path);
	if ((r = has_table(inv, "etcd_pki_meta", err)) < 0)
		return PKI_ERR_IO;
	if (r == 0) {
		if (flags & PKI_INV_CFSSL) {
			inv->cfssl_only = 1;
			return PKI_OK;
		}
		return pki_err(err, PKI_ERR_INPUT, "%s: not an etcd-pki "
		    "inventory (no table \"etcd_pki_meta\")", inv->path);
	}
	if (db_prepare(inv, "SELECT value FROM etcd_pki_meta WHERE key = "
	    "'schema_version'", &st, err) != PKI_OK)
		return PKI_ERR_IO;
	if (sq.step(st) == SQLITE_ROW)
		version = sq.column_int(st, 0);
	sq.finalize(st);
	if (version > INV_SCHEMA)
		return pki_err(err, PKI_ERR_UNSUPPORTED, "%s: inventory schema "
		    "%d is newer than this etcd-pki's (%d)", inv->path, version,
		    INV_SCHEMA);
	return PKI_OK;
}

int
pki_inventory_open(const char *path, int flags, struct pki_inventory **out,
    struct pki_error *err)
{
	struct pki_inventory	*inv = NULL;
	struct stat		 st;
	int			 oflags, memory = 0, scratch, r = PKI_ERR_INTERNAL;

	*out = NULL;
	if ((r = pki_dl_load(&sq_lib, err)) != 0)
		return r;
	scratch = (flags & PKI_INV_SCRATCH) != 0;
	if (scratch && (path == NULL || !(flags & PKI_INV_CREATE)))
		return pki_err(err, PKI_ERR_ARG, "inventory: a scratch file "
		    "is a new file");
	if (path == NULL) {
		/* In memory: built here, written with pki_inventory_bytes. */
		path = ":memory:";
		flags |= PKI_INV_CREATE;
		memory = 1;
	} else if (lstat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			return pki_err(err, PKI_ERR_INPUT, "%s: not a regular "
			    "file", path);
	} else if (errno != ENOENT || !(flags & PKI_INV_CREATE))
		return pki_err_sys(err, errno, "%s: cannot open", path);
	pki_err_source(err, path);
	if ((inv = calloc(1, sizeof(*inv))) == NULL ||
	    (inv->path = strdup(path)) == NULL) {
		free(inv);
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	}
	oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW |
	    SQLITE_OPEN_FULLMUTEX;
	if (flags & PKI_INV_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	if (memory) {
		/*
		 * SQLite's memdb VFS keeps the file image in one buffer
		 * that pki_inventory_bytes() hands out without a copy (a
		 * ":memory:" database would be copied twice); a name
		 * without a leading '/' is private to this connection.
		 */
		oflags &= ~SQLITE_OPEN_NOFOLLOW;
		if (sq.open_v2("etcd-pki-inventory", &inv->db, oflags,
		    "memdb") != SQLITE_OK) {
			r = inv->db != NULL ? db_err(inv, err, "cannot open") :
			    pki_err(err, PKI_ERR_ALLOC, "out of memory");
			goto out;
		}
	} else {
		if ((inv->vfs = vfs_new()) == NULL) {
			r = pki_err(err, PKI_ERR_ALLOC, "%s: cannot set up "
			    "SQLite", path);
			goto out;
		}
		inv->vfs->no_readonly = scratch;
		if (sq.open_v2(path, &inv->db, oflags, inv->vfs->name) !=
		    SQLITE_OK) {
			r = inv->db != NULL ? db_err(inv, err,
			    "cannot open") : pki_err(err, PKI_ERR_ALLOC,
			    "out of memory");
			goto out;
		}
	}
	sq.extended_result_codes(inv->db, 1);
	if (sq.busy_timeout(inv->db, INV_BUSY_MS) != SQLITE_OK ||
	    /* The image is the database: no second copy in the cache. */
	    (memory && (r = db_exec(inv, "PRAGMA cache_size = -64",
	    "cache size", err)) != PKI_OK) ||
	    ((flags & PKI_INV_NO_SYNC) && (r = db_exec(inv,
	    "PRAGMA synchronous = OFF", "no sync", err)) != PKI_OK) ||
	    /*
	     * A file being built: a crash leaves a temporary file to
	     * remove, never a database in place, so no journal protects
	     * it; the caller syncs it before it gets its name.
	     */
	    (scratch && (r = db_exec(inv, "PRAGMA locking_mode = EXCLUSIVE; "
	    "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
	    "PRAGMA cache_size = -256", "scratch file", err)) != PKI_OK) ||
	    (r = check_schema(inv, flags, err)) != PKI_OK) {
		if (r == PKI_ERR_INTERNAL)
			r = db_err(inv, err, "cannot open");
		goto out;
	}
	*out = inv;
	inv = NULL;
	r = PKI_OK;
 out:
	pki_inventory_close(inv);
	return r;
}

int
pki_inventory_open_dbconfig(const char *buf, size_t len, const char *source,
    const struct pki_parse_opts *opts, int flags, struct pki_inventory **out,
    struct pki_error *err)
{
	static const char *const fields[] = { "driver", "data_source", NULL };
	struct pki_json_ctx	 ctx;
	json_t			*root = NULL, *vals[2] = { NULL, NULL };
	char			*driver = NULL, *ds = NULL, *q;
	const char		*path;
	int			 r;

	*out = NULL;
	memset(&ctx, 0, sizeof(ctx));
	ctx.source = source;
	ctx.opts = opts;
	ctx.err = err;
	if ((r = pki_json_load_go(&ctx, buf, len, &root)) != PKI_OK ||
	    (r = pki_json_fields(&ctx, "", root, fields, vals)) != PKI_OK ||
	    (r = pki_json_string(&ctx, "driver", vals[0], &driver)) !=
	    PKI_OK ||
	    (r = pki_json_string(&ctx, "data_source", vals[1], &ds)) != PKI_OK)
		goto out;
	if (driver == NULL || *driver == '\0' || ds == NULL || *ds == '\0') {
		r = pki_json_err(&ctx, PKI_ERR_INPUT, driver == NULL ||
		    *driver == '\0' ? "driver" : "data_source", "invalid db "
		    "configuration: driver and data_source are required");
		goto out;
	}
	if (strcmp(driver, "sqlite3") != 0) {
		r = pki_json_err(&ctx, PKI_ERR_UNSUPPORTED, "driver", "\"%s\": "
		    "only sqlite3 is supported (etcd-pki links SQLite alone; "
		    "use cfssl for %s)", driver, driver);
		goto out;
	}
	/* go-sqlite3's DSN: an optional "file:" and "?options". */
	path = strncmp(ds, "file:", 5) == 0 ? ds + 5 : ds;
	if ((q = strchr(path, '?')) != NULL)
		*q = '\0';
	r = pki_inventory_open(path, flags, out, err);
 out:
	json_decref(root);
	free(driver);
	free(ds);
	return r;
}

void
pki_inventory_close(struct pki_inventory *inv)
{
	if (inv == NULL)
		return;
	sq.finalize(inv->add_cst);
	sq.finalize(inv->add_est);
	sq.close(inv->db);
	vfs_free(inv->vfs);
	free(inv->path);
	free(inv);
}

int
pki_inventory_bytes(struct pki_inventory *inv, const char **buf, size_t *len,
    struct pki_error *err)
{
	sqlite3_int64	 size = 0;
	unsigned char	*db;

	*buf = NULL;
	*len = 0;
	if ((db = sq.serialize(inv->db, "main", &size,
	    SQLITE_SERIALIZE_NOCOPY)) == NULL || size <= 0)
		return pki_err(err, PKI_ERR_INTERNAL, "%s: cannot serialize "
		    "(not an inventory in memory)", inv->path);
	*buf = (const char *)db;
	*len = (size_t)size;
	return PKI_OK;
}

int
pki_inventory_begin(struct pki_inventory *inv, struct pki_error *err)
{
	return db_exec(inv, "BEGIN IMMEDIATE", "begin", err);
}

int
pki_inventory_commit(struct pki_inventory *inv, struct pki_error *err)
{
	int	r;

	if ((r = db_exec(inv, "COMMIT", "commit", err)) != PKI_OK)
		pki_inventory_rollback(inv);
	return r;
}

void
pki_inventory_rollback(struct pki_inventory *inv)
{
	if (inv != NULL && !sq.get_autocommit(inv->db))
		(void)sq.exec(inv->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- recording ---------------------------------------------------------- */

/* "2006-01-02 15:04:05+00:00" of t, as Go's SQLite driver writes. */
static void
go_time(int64_t t, char *buf, size_t size)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (gmtime_r(&tt, &tm) == NULL)
		snprintf(buf, size, "%s", GO_ZERO_TIME);
	else
		strftime(buf, size, "%Y-%m-%d %H:%M:%S+00:00", &tm);
}

/* "DNS:a, IP:b" and the JSON array master's certdb keeps in sans. */
static int
sans_texts(const struct pki_cert_facts *f, char **text, char **json)
{
	struct pki_buf	t, j;
	size_t		i;

	memset(&t, 0, sizeof(t));
	memset(&j, 0, sizeof(j));
	pki_buf_add(&t, "");
	pki_buf_add(&j, "[");
	for (i = 0; i < f->nsans; i++) {
		const char *v = strchr(f->sans[i], ':');

		pki_buf_add(&t, i > 0 ? ", " : "");
		pki_buf_add(&t, f->sans[i]);
		pki_buf_add(&j, i > 0 ? "," : "");
		v = v != NULL ? v + 1 : f->sans[i];
		pki_buf_go_string(&j, v, strlen(v));
	}
	pki_buf_add(&j, "]");
	if (t.oom || j.oom) {
		free(t.b);
		free(j.b);
		return -1;
	}
	*text = t.b;
	*json = j.b;
	return 0;
}

/* Inserts one certificate (its rows in both tables). */
static int
add_one(struct pki_inventory *inv, const struct pki_inv_add *a, int64_t now,
    size_t *added, struct pki_error *err)
{
	sqlite3_stmt		*cst = inv->add_cst, *est = inv->add_est;
	struct pki_cert_facts	 f;
	struct pki_cert		*cert = NULL;
	char			 aki[129], exp[40], nb[40], iss[40];
	char			*sans = NULL, *sansjson = NULL, *meta = NULL;
	unsigned char		*der = NULL;
	long			 derlen = 0;
	int			 r;

	memset(&f, 0, sizeof(f));
	if ((r = pki_cert_pem_der(a->pem, a->len, a->name, &der, &derlen,
	    err)) != PKI_OK)
		goto out;
	/* Without decoding the key (facts.h); the X509 way for odd DER. */
	r = pki_cert_facts_der(der, (size_t)derlen, &f, aki, sizeof(aki),
	    err);
	if (r == PKI_ERR_UNSUPPORTED) {
		if ((r = pki_cert_from_der(der, derlen, a->name, &cert,
		    err)) != PKI_OK || (r = pki_cert_facts(cert, &f, err)) !=
		    PKI_OK)
			goto out;
		pki_cert_keyid(cert, aki, sizeof(aki));
	} else if (r != PKI_OK)
		goto out;
	go_time(f.not_after, exp, sizeof(exp));
	go_time(f.not_before, nb, sizeof(nb));
	go_time(now, iss, sizeof(iss));
	if (sans_texts(&f, &sans, &sansjson) != 0 || asprintf(&meta,
	    "{\"etcd-pki\":{\"kind\":\"%s\",\"origin\":\"%s\"}}",
	    pki_inventory_kind_name(a->kind), a->origin) == -1) {
		meta = NULL;
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	sq.reset(cst);
	bind_text(cst, 1, f.serial);
	bind_text(cst, 2, aki);
	bind_text(cst, 3, exp);
	bind_text(cst, 4, a->pem);
	bind_text(cst, 5, iss);
	bind_text(cst, 6, nb);
	bind_text(cst, 7, meta);
	bind_text(cst, 8, sansjson);
	bind_text(cst, 9, f.subject_cn);
	sq.reset(est);
	bind_text(est, 1, f.serial);
	bind_text(est, 2, aki);
	bind_text(est, 3, pki_inventory_kind_name(a->kind));
	bind_text(est, 4, a->name);
	bind_text(est, 5, a->leaf != NULL ? a->leaf : "");
	bind_text(est, 6, f.subject);
	bind_text(est, 7, sans);
	sq.bind_int64(est, 8, f.not_before);
	sq.bind_int64(est, 9, f.not_after);
	sq.bind_int64(est, 10, now);
	bind_text(est, 11, a->origin);
	if (sq.step(cst) != SQLITE_DONE || sq.step(est) !=
	    SQLITE_DONE) {
		r = db_err(inv, err, "record a certificate");
		goto out;
	}
	if (added != NULL && sq.changes(inv->db) > 0)
		(*added)++;
	r = PKI_OK;
 out:
	free(sans);
	free(sansjson);
	free(meta);
	pki_cert_facts_clear(&f);
	pki_cert_free(cert);
	OPENSSL_free(der);
	return r;
}

int
pki_inventory_add(struct pki_inventory *inv, const struct pki_inv_add *v,
    size_t n, int64_t now, size_t *added, struct pki_error *err)
{
	size_t	i;
	int	r, own;

	if (added != NULL)
		*added = 0;
	/* Within the caller's transaction, or in one of its own. */
	own = sq.get_autocommit(inv->db);
	if (inv->cfssl_only)
		return pki_err(err, PKI_ERR_ARG, "%s: not an etcd-pki "
		    "inventory", inv->path);
	/* Prepared once per inventory: callers add one certificate at a
	 * time, and preparing costs more than inserting. */
	if ((inv->add_cst == NULL && (r = db_prepare(inv, "INSERT OR IGNORE "
	    "INTO certificates (serial_number, authority_key_identifier, "
	    "ca_label, status, reason, expiry, revoked_at, pem, issued_at, "
	    "not_before, metadata, sans, common_name) VALUES (?1, ?2, '', "
	    "'good', 0, ?3, '" GO_ZERO_TIME "', ?4, ?5, ?6, ?7, ?8, ?9)",
	    &inv->add_cst, err)) != PKI_OK) || (inv->add_est == NULL &&
	    (r = db_prepare(inv, "INSERT OR IGNORE INTO etcd_pki_certificates "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	    &inv->add_est, err)) != PKI_OK) ||
	    (own && (r = pki_inventory_begin(inv, err)) != PKI_OK))
		return r;
	for (i = 0; i < n; i++)
		if ((r = add_one(inv, &v[i], now, added, err)) != PKI_OK)
			break;
	sq.reset(inv->add_cst);
	sq.reset(inv->add_est);
	if (own && r == PKI_OK)
		r = pki_inventory_commit(inv, err);
	else if (own)
		pki_inventory_rollback(inv);
	return r;
}

int
pki_inventory_record(const char *dir, const struct pki_inv_add *v, size_t n,
    int64_t now, int no_sync, size_t *added, struct pki_error *err)
{
	struct pki_inventory	*inv = NULL;
	char			*path;
	int			 r;

	if (added != NULL)
		*added = 0;
	if (asprintf(&path, "%s/%s", dir, PKI_CLDIR_INVENTORY) == -1)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	if ((r = pki_inventory_open(path, PKI_INV_CREATE | (no_sync ?
	    PKI_INV_NO_SYNC : 0), &inv, err)) == PKI_OK)
		r = pki_inventory_add(inv, v, n, now, added, err);
	pki_inventory_close(inv);
	free(path);
	return r;
}

/* ---- reading ------------------------------------------------------------- */

/*
 * v (cap elements) with room for one more after cnt: v itself, or v
 * moved; NULL when out of memory (v is then left as it was).
 */
static void *
grow(void *v, size_t *cap, size_t cnt, size_t size)
{
	void	*nv;
	size_t	 ncap;

	if (cnt < *cap)
		return v;
	ncap = *cap > 0 ? 2 * *cap : 16;
	if ((nv = reallocarray(v, ncap, size)) != NULL)
		*cap = ncap;
	return nv;
}

/*
 * The columns of a listed certificate: cfssl's, then etcd-pki's (NULL
 * for a row etcd-pki did not write).  SQLite's strftime reads every form
 * Go writes (fractional seconds, an offset) and CURRENT_TIMESTAMP's.
 */
#define LIST_SQL \
	"SELECT c.serial_number, c.authority_key_identifier, c.status, " \
	"c.reason, CAST(strftime('%s', c.revoked_at) AS INTEGER), c.pem, " \
	"e.kind, e.name, e.leaf, e.subject, e.sans, e.not_before, " \
	"e.not_after, e.issued_at, e.origin, " \
	"CAST(strftime('%s', c.expiry) AS INTEGER) " \
	"FROM certificates c LEFT JOIN etcd_pki_certificates e " \
	"ON e.serial_number = c.serial_number " \
	"AND e.authority_key_identifier = c.authority_key_identifier "

/* Fills what a row of cfssl's alone lacks from its PEM. */
static void
fill_from_pem(struct pki_inv_cert *c)
{
	struct pki_cert_facts	 f;
	struct pki_cert		*cert = NULL;
	struct pki_buf		 b;
	size_t			 i;

	memset(&f, 0, sizeof(f));
	memset(&b, 0, sizeof(b));
	if (pki_cert_load(c->pem, strlen(c->pem), "pem", &cert, NULL) !=
	    PKI_OK || pki_cert_facts(cert, &f, NULL) != PKI_OK)
		goto out;
	c->not_before = f.not_before;
	c->not_after = f.not_after;
	for (i = 0; i < f.nsans; i++) {
		pki_buf_add(&b, i > 0 ? ", " : "");
		pki_buf_add(&b, f.sans[i]);
	}
	if (!b.oom && b.b != NULL) {
		free(c->sans);
		c->sans = b.b;
		b.b = NULL;
	}
	if (f.subject != NULL) {
		free(c->subject);
		c->subject = f.subject;
		f.subject = NULL;
	}
 out:
	free(b.b);
	pki_cert_facts_clear(&f);
	pki_cert_free(cert);
}

/* One row of LIST_SQL into c. */
static int
read_row(sqlite3_stmt *st, struct pki_inv_cert *c)
{
	const unsigned char	*s;

	memset(c, 0, sizeof(*c));
	if ((s = sq.column_text(st, 0)) != NULL)
		snprintf(c->serial, sizeof(c->serial), "%s", s);
	if ((s = sq.column_text(st, 1)) != NULL)
		snprintf(c->aki, sizeof(c->aki), "%s", s);
	s = sq.column_text(st, 2);
	c->revoked = s != NULL && strcmp((const char *)s, "revoked") == 0;
	c->reason = sq.column_int(st, 3);
	c->revoked_at = c->revoked ? sq.column_int64(st, 4) : 0;
	c->kind = kind_parse((const char *)sq.column_text(st, 6));
	if ((c->pem = col_dup(st, 5)) == NULL ||
	    (c->name = col_dup(st, 7)) == NULL ||
	    (c->leaf = col_dup(st, 8)) == NULL ||
	    (c->subject = col_dup(st, 9)) == NULL ||
	    (c->sans = col_dup(st, 10)) == NULL ||
	    (c->origin = col_dup(st, 14)) == NULL)
		return -1;
	c->not_before = sq.column_int64(st, 11);
	c->not_after = sq.column_int64(st, 12);
	c->issued_at = sq.column_int64(st, 13);
	if (sq.column_type(st, 6) == SQLITE_NULL) {
		c->not_after = sq.column_int64(st, 15);
		free(c->origin);
		if ((c->origin = strdup("cfssl")) == NULL)
			return -1;
		fill_from_pem(c);
	}
	return 0;
}

int
pki_inventory_list(struct pki_inventory *inv, const struct pki_inv_query *q,
    struct pki_inv_cert **v, size_t *n, struct pki_error *err)
{
	struct pki_inv_query	 all;
	struct pki_inv_cert	*out = NULL, *nv;
	sqlite3_stmt		*st = NULL;
	struct pki_buf		 sql;
	size_t			 cnt = 0, cap = 0;
	int			 rc, r = PKI_ERR_INTERNAL;

	*v = NULL;
	*n = 0;
	memset(&sql, 0, sizeof(sql));
	memset(&all, 0, sizeof(all));
	if (q == NULL)
		q = &all;
	if (inv->cfssl_only && q->name != NULL)
		return pki_err(err, PKI_ERR_ARG, "%s: not an etcd-pki "
		    "inventory: no names", inv->path);
	pki_buf_add(&sql, inv->cfssl_only ? "SELECT c.serial_number, "
	    "c.authority_key_identifier, c.status, c.reason, "
	    "CAST(strftime('%s', c.revoked_at) AS INTEGER), c.pem, NULL, "
	    "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
	    "CAST(strftime('%s', c.expiry) AS INTEGER) FROM certificates c "
	    "WHERE 1 " : LIST_SQL "WHERE 1 ");
	if (q->name != NULL)
		pki_buf_add(&sql, "AND e.name = ?1 ");
	if (q->serial != NULL)
		pki_buf_add(&sql, "AND c.serial_number = ?2 ");
	if (q->revoked > 0)
		pki_buf_add(&sql, "AND c.status = 'revoked' ");
	else if (q->revoked < 0)
		pki_buf_add(&sql, "AND c.status != 'revoked' ");
	if (q->valid_at > 0)
		pki_buf_add(&sql, "AND CAST(strftime('%s', c.expiry) AS "
		    "INTEGER) > ?3 ");
	pki_buf_add(&sql, inv->cfssl_only ? "ORDER BY c.rowid" :
	    "ORDER BY e.issued_at, c.rowid");
	if (sql.oom) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	if ((r = db_prepare(inv, sql.b, &st, err)) != PKI_OK)
		goto out;
	if (q->name != NULL)
		bind_text(st, 1, q->name);
	if (q->serial != NULL)
		bind_text(st, 2, q->serial);
	if (q->valid_at > 0)
		sq.bind_int64(st, 3, q->valid_at);
	while ((rc = sq.step(st)) == SQLITE_ROW) {
		if ((nv = grow(out, &cap, cnt, sizeof(*out))) == NULL) {
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
			goto out;
		}
		out = nv;
		if (read_row(st, &out[cnt++]) != 0) {
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		r = db_err(inv, err, "list the certificates");
		goto out;
	}
	*v = out;
	*n = cnt;
	out = NULL;
	cnt = 0;
	r = PKI_OK;
 out:
	pki_inventory_list_free(out, cnt);
	sq.finalize(st);
	free(sql.b);
	return r;
}

void
pki_inventory_list_free(struct pki_inv_cert *v, size_t n)
{
	size_t	i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].name);
		free(v[i].leaf);
		free(v[i].subject);
		free(v[i].sans);
		free(v[i].origin);
		free(v[i].pem);
	}
	free(v);
}

/* ---- revocation and CRLs ------------------------------------------------- */

int
pki_inventory_revoke(struct pki_inventory *inv, const char *serial,
    const char *aki, int reason, int64_t when, int flags, size_t *n,
    struct pki_error *err)
{
	sqlite3_stmt	*st = NULL;
	char		 t[40];
	int		 r;

	*n = 0;
	/* CURRENT_TIMESTAMP's form, as cfssl's revoke leaves it. */
	go_time(when, t, sizeof(t));
	t[19] = '\0';
	if ((r = db_prepare(inv, (flags & PKI_INV_KEEP_DATE) ?
	    "UPDATE certificates SET reason = ?1, revoked_at = CASE status "
	    "WHEN 'revoked' THEN revoked_at ELSE ?2 END, status = 'revoked' "
	    "WHERE serial_number = ?3 AND (?4 IS NULL OR "
	    "authority_key_identifier = ?4)" :
	    "UPDATE certificates SET status = 'revoked', revoked_at = ?2, "
	    "reason = ?1 WHERE serial_number = ?3 AND (?4 IS NULL OR "
	    "authority_key_identifier = ?4)", &st, err)) != PKI_OK)
		return r;
	sq.bind_int(st, 1, reason);
	bind_text(st, 2, t);
	bind_text(st, 3, serial);
	bind_text(st, 4, aki);
	if (sq.step(st) != SQLITE_DONE)
		r = db_err(inv, err, "revoke");
	else
		*n = (size_t)sq.changes(inv->db);
	sq.finalize(st);
	return r;
}

int
pki_inventory_revoked(struct pki_inventory *inv, int64_t now,
    struct pki_crl_entry **v, size_t *n, struct pki_error *err)
{
	struct pki_crl_entry	*out = NULL, *nv;
	sqlite3_stmt		*st = NULL;
	const unsigned char	*s;
	size_t			 cnt = 0, cap = 0;
	int			 rc, reason, r;

	*v = NULL;
	*n = 0;
	if ((r = db_prepare(inv, "SELECT serial_number, reason, "
	    "COALESCE(CAST(strftime('%s', revoked_at) AS INTEGER), ?1) "
	    "FROM certificates WHERE status = 'revoked' AND "
	    "CAST(strftime('%s', expiry) AS INTEGER) > ?1 "
	    "ORDER BY 3, serial_number", &st, err)) != PKI_OK)
		return r;
	sq.bind_int64(st, 1, now);
	while ((rc = sq.step(st)) == SQLITE_ROW) {
		reason = sq.column_int(st, 1);
		if (reason == PKI_REASON_REMOVE_FROM_CRL)
			continue;
		if (reason == 7 || reason < 0 || reason > 10)
			reason = PKI_REASON_UNSPECIFIED;
		s = sq.column_text(st, 0);
		if (s == NULL || *s == '\0' || strlen((const char *)s) >= 61 ||
		    strspn((const char *)s, "0123456789") !=
		    strlen((const char *)s))
			continue;	/* not a serial a CRL can carry */
		if ((nv = grow(out, &cap, cnt, sizeof(*out))) == NULL) {
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
			goto out;
		}
		out = nv;
		memset(&out[cnt], 0, sizeof(out[cnt]));
		snprintf(out[cnt].serial, sizeof(out[cnt].serial), "%s", s);
		out[cnt].revoked_at = sq.column_int64(st, 2);
		out[cnt].reason = reason;
		cnt++;
	}
	if (rc != SQLITE_DONE) {
		r = db_err(inv, err, "list the revoked certificates");
		goto out;
	}
	*v = out;
	*n = cnt;
	out = NULL;
	r = PKI_OK;
 out:
	free(out);
	sq.finalize(st);
	return r;
}

int
pki_inventory_crl_number(struct pki_inventory *inv, char *number,
    size_t size, struct pki_error *err)
{
	sqlite3_stmt	*st = NULL;
	int64_t		 next = 1;
	int		 r;

	if ((r = db_prepare(inv, "SELECT MAX(number) FROM etcd_pki_crls", &st,
	    err)) != PKI_OK)
		return r;
	if (sq.step(st) == SQLITE_ROW &&
	    sq.column_type(st, 0) != SQLITE_NULL)
		next = sq.column_int64(st, 0) + 1;
	sq.finalize(st);
	snprintf(number, size, "%lld", (long long)next);
	return PKI_OK;
}

int
pki_inventory_crl_add(struct pki_inventory *inv,
    const struct pki_crl_info *info, const char *der, size_t len,
    struct pki_error *err)
{
	sqlite3_stmt	*st = NULL;
	int		 r;

	if ((r = db_prepare(inv, "INSERT INTO etcd_pki_crls VALUES (?1, ?2, "
	    "?3, ?4, ?5, ?6)", &st, err)) != PKI_OK)
		return r;
	sq.bind_int64(st, 1, strtoll(info->number, NULL, 10));
	bind_text(st, 2, info->aki);
	sq.bind_int64(st, 3, info->this_update);
	sq.bind_int64(st, 4, info->next_update);
	sq.bind_int64(st, 5, (sqlite3_int64)info->nentries);
	sq.bind_blob(st, 6, der, (int)len, SQLITE_TRANSIENT);
	if (sq.step(st) != SQLITE_DONE)
		r = db_err(inv, err, "record the CRL");
	sq.finalize(st);
	return r;
}

void
pki_inv_cert_text(const struct pki_inv_cert *c, time_t now, char *buf,
    size_t len)
{
	char	na[32], at[32], status[96];

	if (c == NULL) {
		snprintf(buf, len, "%-6s  %-16s  %-48s  %-20s  %-9s  %s",
		    "KIND", "NAME", "SERIAL", "NOT AFTER", "STATUS",
		    "ISSUED BY, SUBJECT, SANS");
		return;
	}
	pki_time_format(c->not_after, na, sizeof(na));
	if (c->revoked) {
		pki_time_format(c->revoked_at, at, sizeof(at));
		snprintf(status, sizeof(status), "revoked %s (%s)", at,
		    c->reason > 0 ? pki_crl_reason_name(c->reason) :
		    "unspecified");
	} else
		snprintf(status, sizeof(status), "%s", c->not_after <= now ?
		    "expired" : "good");
	snprintf(buf, len, "%-6s  %-16s  %-48s  %-20s  %-9s  %s; %s; SANs: %s",
	    pki_inventory_kind_name(c->kind), c->name[0] != '\0' ? c->name :
	    "-", c->serial, na, status, c->origin, c->subject,
	    c->sans[0] != '\0' ? c->sans : "(none)");
}
