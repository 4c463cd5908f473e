/*
 * schedule.c: the files "etcd-pki schedule" prints or installs (see
 * pki.h): the systemd service and timer, or the cron.d file, that run
 * renew twice a day; the checks of their name and words; and paths made
 * absolute for a job that runs from "/".
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define SCHED_NAME_MAX	200
/*
 * How long one run may take before it is stopped (systemd's
 * TimeoutStartSec, timeout(1) in the cron line), so that a run that hangs
 * cannot hold the lock, and stop renewal, for ever.  A rolling restart
 * waits at most -gate-timeout (2 minutes) per member and -lock-ttl for the
 * cluster lock: half an hour is ample.
 */
#define SCHED_TIMEOUT	"30min"
#define SCHED_TIMEOUT_CRON "30m"

int
pki_schedule_name_check(const char *name, struct pki_error *err)
{
	if (*name != '\0' && *name != '-' && strlen(name) <= SCHED_NAME_MAX &&
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_-") == strlen(name))
		return PKI_OK;
	return pki_err(err, PKI_ERR_ARG, "\"%s\": use letters, digits, \"_\" "
	    "and \"-\" only, not starting with \"-\" (cron ignores other file "
	    "names; a systemd unit name must not be a template)", name);
}

/* ---- absolute paths --------------------------------------------------- */

/* path with its directory resolved and its last component kept. */
static int
absolute(const char *path, int must_exist, char **out, struct pki_error *err)
{
	struct stat	 st;
	const char	*dir;
	char		*copy = NULL, *base, *rdir = NULL, *slash;
	size_t		 len;
	int		 r = PKI_OK;

	*out = NULL;
	if ((copy = strdup(path)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	for (len = strlen(copy); len > 1 && copy[len - 1] == '/'; len--)
		copy[len - 1] = '\0';
	if ((slash = strrchr(copy, '/')) == NULL) {
		dir = ".";
		base = copy;
	} else {
		*slash = '\0';
		dir = slash == copy ? "/" : copy;
		base = slash + 1;
	}
	if (*base == '\0' || strcmp(base, ".") == 0 ||
	    strcmp(base, "..") == 0) {
		/* "/", ".", "dir/..": the directory itself. */
		if ((*out = realpath(path, NULL)) == NULL)
			r = pki_err_sys(err, errno, "%s", path);
	} else if ((rdir = realpath(dir, NULL)) == NULL)
		r = pki_err_sys(err, errno, "%s: %s", path, dir);
	else if (asprintf(out, "%s/%s", strcmp(rdir, "/") == 0 ? "" : rdir,
	    base) == -1) {
		*out = NULL;
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
	} else if (must_exist && stat(*out, &st) == -1) {
		r = pki_err_sys(err, errno, "%s", path);
		free(*out);
		*out = NULL;
	}
	free(copy);
	free(rdir);
	return r;
}

int
pki_path_absolute(const char *path, int flags, char **out,
    struct pki_error *err)
{
	char	*p = NULL;
	int	 r;

	*out = NULL;
	if (strcmp(path, "-") == 0 || *path == '\0')
		return pki_err(err, PKI_ERR_ARG, "\"%s\": a scheduled job "
		    "needs a file", path);
	if ((flags & PKI_ABS_SPEC) && strncmp(path, "env:", 4) == 0) {
		if ((*out = strdup(path)) == NULL)
			return pki_err(err, PKI_ERR_ALLOC, "out of memory");
		return PKI_OK;
	}
	/* file:PATH, unless a file of that very name exists. */
	if (!(flags & PKI_ABS_SPEC) || strncmp(path, "file:", 5) != 0 ||
	    access(path, F_OK) == 0)
		return absolute(path, flags & PKI_ABS_EXISTS, out, err);
	if ((r = absolute(path + 5, flags & PKI_ABS_EXISTS, &p, err)) !=
	    PKI_OK)
		return r;
	if (asprintf(out, "file:%s", p) == -1) {
		*out = NULL;
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
	}
	free(p);
	return r;
}

/* ---- the texts ---------------------------------------------------------- */

/*
 * One word of a systemd command line (systemd.service(5), "COMMAND
 * LINES"): "%" is a specifier, so it is doubled, and so is "$" (a
 * variable) except in the executable's path (exe), which systemd does
 * not expand; a word with blanks, quotes, backslashes or ";" is
 * double-quoted with C escapes.
 */
static void
sd_word(struct pki_buf *b, const char *s, int exe)
{
	const unsigned char	*p;
	int			 q;

	q = *s == '\0' || strpbrk(s, " \t\n\r\"'\\;") != NULL;
	for (p = (const unsigned char *)s; *p != '\0' && !q; p++)
		q = *p < 0x20 || *p == 0x7f;
	if (q)
		pki_buf_add(b, "\"");
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '%')
			pki_buf_add(b, "%%");
		else if (*p == '$')
			pki_buf_add(b, exe ? "$" : "$$");
		else if (*p == '\\' || *p == '"')
			pki_buf_printf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			pki_buf_printf(b, "\\x%02x", *p);
		else
			pki_buf_addn(b, (const char *)p, 1);
	}
	if (q)
		pki_buf_add(b, "\"");
}

/*
 * One word of a cron.d command: quoted for sh(1) (single quotes unless
 * every character is safe), and every "%" escaped as "\%" (crontab(5):
 * cron turns an unescaped "%" into a newline), outside the single quotes
 * so that a backslash before it in the word cannot pair with cron's.
 */
static void
cron_word(struct pki_buf *b, const char *s)
{
	const char	*p;
	int		 q;

	q = *s == '\0' || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-") != strlen(s);
	if (q)
		pki_buf_add(b, "'");
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'')
			pki_buf_add(b, "'\\''");
		else if (*p == '%')
			pki_buf_add(b, q ? "'\\%'" : "\\%");
		else
			pki_buf_addn(b, p, 1);
	}
	if (q)
		pki_buf_add(b, "'");
}

static void
sd_cmdline(struct pki_buf *b, const char *key, const char *self,
    const char *const *v, size_t n)
{
	size_t	i;

	pki_buf_printf(b, "%s=", key);
	sd_word(b, self, 1);
	for (i = 0; i < n; i++) {
		pki_buf_add(b, " ");
		sd_word(b, v[i], 0);
	}
	pki_buf_add(b, "\n");
}

/*
 * The password file of renew's "-ca-key-password file:PATH", or NULL:
 * the service hands it over as a credential instead (LoadCredential=).
 */
static const char *
cred_file(const struct pki_schedule *sc, size_t *at)
{
	size_t	i;

	for (i = 0; i + 1 < sc->nrun; i++)
		if (strcmp(sc->run[i], "-ca-key-password") == 0 &&
		    strncmp(sc->run[i + 1], "file:", 5) == 0) {
			*at = i;
			return sc->run[i + 1] + 5;
		}
	return NULL;
}

/*
 * ReadWritePaths=: every directory renew writes in (a path that is not a
 * directory stands for its own), each once, as systemd words.  Returns 1
 * when one is under /tmp or /var/tmp.
 */
static int
rw_paths(struct pki_buf *b, const struct pki_schedule *sc)
{
	int		 tmp = 0;
	struct stat	 st;
	char		*dirs[64], *c;
	size_t		 i, j, n = 0;

	for (i = 0; i < sc->nrw && n < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if ((c = strdup(sc->rw[i])) == NULL) {
			b->oom = 1;
			break;
		}
		if (stat(c, &st) == -1 || !S_ISDIR(st.st_mode)) {
			char	*d = strdup(dirname(c));

			free(c);
			if ((c = d) == NULL) {
				b->oom = 1;
				break;
			}
		}
		for (j = 0; j < n && strcmp(dirs[j], c) != 0; j++)
			;
		if (j < n)
			free(c);
		else
			dirs[n++] = c;
	}
	if (n > 0)
		pki_buf_add(b, "ReadWritePaths=");
	for (i = 0; i < n; i++) {
		pki_buf_add(b, i > 0 ? " " : "");
		sd_word(b, dirs[i], 1);
		tmp |= strncmp(dirs[i], "/tmp/", 5) == 0 ||
		    strcmp(dirs[i], "/tmp") == 0 ||
		    strncmp(dirs[i], "/var/tmp/", 9) == 0;
		free(dirs[i]);
	}
	if (n > 0)
		pki_buf_add(b, "\n");
	return tmp;
}

/*
 * The sandbox: the file system read-only but for renew's directories,
 * no new privileges, a private /tmp and devices, the kernel out of
 * reach, root's file capabilities only (keys owned by another user),
 * the address families of etcd and systemctl.  Hooks and restart
 * commands run inside it too: a drop-in relaxes it (etcd-pki(1)).
 */
static const char sandbox[] =
    "# Sandbox (systemd.exec(5)); a drop-in (systemctl edit) relaxes it\n"
    "# for hooks that need more.\n"
    "ProtectSystem=strict\n"
    "ProtectHome=read-only\n"
    "PrivateDevices=yes\n"
    "NoNewPrivileges=yes\n"
    "CapabilityBoundingSet=CAP_CHOWN CAP_FOWNER CAP_DAC_OVERRIDE "
    "CAP_DAC_READ_SEARCH\n"
    "ProtectKernelTunables=yes\n"
    "ProtectKernelModules=yes\n"
    "ProtectKernelLogs=yes\n"
    "ProtectControlGroups=yes\n"
    "ProtectClock=yes\n"
    "ProtectHostname=yes\n"
    "ProtectProc=invisible\n"
    "ProcSubset=pid\n"
    "PrivateMounts=yes\n"
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n"
    "RestrictNamespaces=yes\n"
    "RestrictRealtime=yes\n"
    "RestrictSUIDSGID=yes\n"
    "LockPersonality=yes\n"
    "MemoryDenyWriteExecute=yes\n"
    "SystemCallArchitectures=native\n"
    "SystemCallFilter=@system-service\n"
    "SystemCallErrorNumber=EPERM\n";

static void
service_text(struct pki_buf *b, const struct pki_schedule *sc)
{
	struct pki_schedule	 run = *sc;
	const char		*cred;
	const char		**v = NULL;
	size_t			 at = 0, i, n = 0;

	pki_buf_printf(b, "# %s.service\n"
	    "# Written by etcd-pki schedule; see etcd-pki(1).\n"
	    "[Unit]\n"
	    "Description=etcd-pki: renew etcd certificates before they "
	    "expire\n"
	    "Documentation=man:etcd-pki(1)\n"
	    "Wants=network-online.target\n"
	    "After=network-online.target\n"
	    "\n"
	    "[Service]\n"
	    "Type=oneshot\n"
	    "# needs-renewal exits 0 when a certificate is due (run renew), 1 "
	    "when none\n"
	    "# is (skip, not a failure), 255 on an error (fail); systemd >= "
	    "243.\n", sc->name);
	sd_cmdline(b, "ExecCondition", sc->self, sc->cond, sc->ncond);
	/* The CA key's password file becomes a credential. */
	if ((cred = cred_file(sc, &at)) != NULL) {
		if ((v = calloc(sc->nrun, sizeof(*v))) == NULL) {
			b->oom = 1;
			return;
		}
		for (i = 0; i < sc->nrun; i++)
			if (i != at && i != at + 1)
				v[n++] = sc->run[i];
		run.run = v;
		run.nrun = n;
		pki_buf_add(b, "# The CA key's password, read by renew from "
		    "$CREDENTIALS_DIRECTORY.\nLoadCredential="
		    PKI_CA_PASSWORD_CRED ":");
		sd_word(b, cred, 1);
		pki_buf_add(b, "\n");
	}
	/* The remote signer's key file too: never on a command line. */
	if (sc->auth_key_file != NULL) {
		pki_buf_add(b, "# The CA server's auth key, read by renew from "
		    "$CREDENTIALS_DIRECTORY.\nLoadCredential="
		    PKI_AUTH_KEY_CRED ":");
		sd_word(b, sc->auth_key_file, 1);
		pki_buf_add(b, "\n");
	}
	sd_cmdline(b, "ExecStart", sc->self, run.run, run.nrun);
	free(v);
	pki_buf_add(b, "# renew: 10 renewed, 75 another run holds the lock.\n"
	    "SuccessExitStatus=10 75\n"
	    "# A run that hangs is stopped, fails and frees the lock.\n"
	    "TimeoutStartSec=" SCHED_TIMEOUT "\n");
	/* A private /tmp would hide what renew writes there. */
	if (!rw_paths(b, sc))
		pki_buf_add(b, "PrivateTmp=yes\n");
	pki_buf_add(b, sandbox);
}

static void
timer_text(struct pki_buf *b, const struct pki_schedule *sc)
{
	pki_buf_printf(b, "# %s.timer\n"
	    "# Written by etcd-pki schedule; see etcd-pki(1).\n"
	    "[Unit]\n"
	    "Description=etcd-pki: twice-daily certificate renewal check\n"
	    "Documentation=man:etcd-pki(1)\n"
	    "\n"
	    "[Timer]\n"
	    "OnCalendar=*-*-* 00,12:00:00\n"
	    "RandomizedDelaySec=1h\n"
	    "AccuracySec=1m\n"
	    "Persistent=true\n"
	    "\n"
	    "[Install]\n"
	    "WantedBy=timers.target\n", sc->name);
}

/* The cron.d file: twice a day at minute m of hours h and h + 12. */
static void
cron_text(struct pki_buf *b, const struct pki_schedule *sc, unsigned m,
    unsigned h)
{
	size_t	i;

	pki_buf_printf(b, "# /etc/cron.d/%s: renew etcd certificates before "
	    "they expire.\n"
	    "# Written by etcd-pki schedule; see etcd-pki(1).  Twice a day, "
	    "after a random\n"
	    "# delay of up to an hour; it stands down where systemd runs "
	    "(use the timer\n"
	    "# of \"etcd-pki schedule -systemd\" there).  A run that "
	    "hangs is stopped\n"
	    "# after " SCHED_TIMEOUT_CRON " (timeout(1)).\n"
	    "SHELL=/bin/sh\n"
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:"
	    "/bin\n"
	    "%u %u,%u * * * root test -d /run/systemd/system || "
	    "{ sleep $(shuf -i 0-3599 -n 1); timeout -k 1m " SCHED_TIMEOUT_CRON
	    " ", sc->name, m, h, h + 12);
	cron_word(b, sc->self);
	for (i = 0; i < sc->nrun; i++) {
		pki_buf_add(b, " ");
		cron_word(b, sc->run[i]);
	}
	pki_buf_add(b, "; }\n");
}

/* A cron line holds no newline: the program's path nor renew's words. */
static int
cron_check(const struct pki_schedule *sc, struct pki_error *err)
{
	size_t	i;

	for (i = 0; i < sc->nrun; i++)
		if (strpbrk(sc->run[i], "\n\r") != NULL)
			return pki_err(err, PKI_ERR_ARG, "renew argument "
			    "\"%s\": a cron line cannot hold a newline",
			    sc->run[i]);
	if (strpbrk(sc->self, "\n\r") != NULL)
		return pki_err(err, PKI_ERR_ARG, "%s: a cron line cannot hold "
		    "a newline", sc->self);
	return PKI_OK;
}

void
pki_schedule_files_clear(struct pki_schedule_files *f)
{
	size_t	i;

	for (i = 0; i < f->n; i++)
		free(f->text[i]);
	memset(f, 0, sizeof(*f));
}

int
pki_schedule_files(const struct pki_schedule *sc, int kind,
    struct pki_schedule_files *out, struct pki_error *err)
{
	struct pki_buf	b[2];
	uint16_t	rnd[2];
	size_t		i;
	int		r;

	memset(out, 0, sizeof(*out));
	memset(b, 0, sizeof(b));
	if ((r = pki_schedule_name_check(sc->name, err)) != PKI_OK)
		return r;
	if (kind == PKI_SCHED_CRON) {
		if ((r = cron_check(sc, err)) != PKI_OK)
			return r;
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return pki_err_sys(err, errno, "getrandom");
		cron_text(&b[0], sc, rnd[0] % 60, rnd[1] % 12);
		out->suffix[0] = "";
		out->n = 1;
	} else {
		service_text(&b[0], sc);
		timer_text(&b[1], sc);
		out->suffix[0] = ".service";
		out->suffix[1] = ".timer";
		out->n = 2;
	}
	for (i = 0; i < out->n; i++)
		if (b[i].oom || b[i].b == NULL) {
			free(b[0].b);
			free(b[1].b);
			memset(out, 0, sizeof(*out));
			return pki_err(err, PKI_ERR_ALLOC, "out of memory");
		}
	for (i = 0; i < out->n; i++)
		out->text[i] = b[i].b;
	return PKI_OK;
}
