/*
 * cmd-schedule.c: "etcd-pki schedule": the systemd service and timer (or
 * the cron.d file) that run "etcd-pki renew" twice a day, printed or
 * installed.  Everything after "--" is renew's argument list: it is
 * checked against renew's flags, and every file in it is made absolute,
 * since units and cron jobs run from /.
 */
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"

#define SCHED_NAME	"etcd-pki-renew"
#define SCHED_UNIT_DIR	"/etc/systemd/system"
#define SCHED_CRON_DIR	"/etc/cron.d"

static const int schedule_opts[] = {
	OPT_SYSTEMD, OPT_CRON, OPT_INSTALL, OPT_UNIT_DIR, OPT_CRON_DIR,
	OPT_NAME, OPT_END
};

/* A growing argument vector; every string is owned. */
struct args {
	char	**v;
	size_t	  n;
};

/* What the units run. */
struct sched {
	const char	*name;
	char		*self;		/* absolute path of etcd-pki */
	struct args	 cond;		/* needs-renewal's arguments */
	struct args	 run;		/* renew's arguments */
};

/* Appends s, which is taken over (NULL: out of memory); 0 or -1. */
static int
args_own(struct args *a, char *s)
{
	char	**v;

	if (s == NULL ||
	    (v = reallocarray(a->v, a->n + 1, sizeof(*v))) == NULL) {
		free(s);
		log_err("out of memory");
		return -1;
	}
	a->v = v;
	a->v[a->n++] = s;
	return 0;
}

static int
args_add(struct args *a, const char *s)
{
	return args_own(a, strdup(s));
}

static void
args_free(struct args *a)
{
	size_t	i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

/*
 * path made absolute for a job running from /: its directory resolved
 * with realpath(3), its last component kept as it is (DIR/NAME.pem may be
 * a link into current/ and must stay one).  With must_exist the path
 * itself must exist too.  what names the argument in messages.  Returns
 * a malloc'ed string, or NULL after reporting the error.
 */
static char *
abs_path(const char *path, const char *what, int must_exist)
{
	struct stat	 st;
	const char	*dir;
	char		*copy = NULL, *base, *rdir = NULL, *out = NULL;
	char		*slash;
	size_t		 len;

	if (strcmp(path, "-") == 0 || *path == '\0') {
		log_err("%s \"%s\": a scheduled job needs a file", what, path);
		return NULL;
	}
	if ((copy = strdup(path)) == NULL)
		goto oom;
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
		if ((out = realpath(path, NULL)) == NULL) {
			log_err("%s %s: %s", what, path, strerror(errno));
			goto out;
		}
		goto out;
	}
	if ((rdir = realpath(dir, NULL)) == NULL) {
		log_err("%s %s: %s: %s", what, path, dir, strerror(errno));
		goto out;
	}
	if (asprintf(&out, "%s/%s", strcmp(rdir, "/") == 0 ? "" : rdir,
	    base) == -1) {
		out = NULL;
		goto oom;
	}
	if (must_exist && stat(out, &st) == -1) {
		log_err("%s %s: %s", what, path, strerror(errno));
		free(out);
		out = NULL;
	}
	goto out;
 oom:
	log_err("out of memory");
 out:
	free(copy);
	free(rdir);
	return out;
}

/* -ca and -ca-key: env:VAR stays, file:PATH and PATH become absolute. */
static char *
abs_spec(const char *spec, const char *what)
{
	char	*p, *out;

	if (strncmp(spec, "env:", 4) == 0)
		return strdup(spec);
	if (strncmp(spec, "file:", 5) != 0 || access(spec, F_OK) == 0)
		return abs_path(spec, what, 1);
	if ((p = abs_path(spec + 5, what, 1)) == NULL)
		return NULL;
	if (asprintf(&out, "file:%s", p) == -1)
		out = NULL;
	free(p);
	return out;
}

/*
 * Renew's flags that name files (by their type in the flag table), made
 * absolute: inputs must exist, outputs need not.
 */
static char *
abs_flag(int id, const char *v)
{
	char	what[64], *p;

	snprintf(what, sizeof(what), "-%s", opt_table[id].name);
	switch (opt_table[id].type) {
	case OPT_TYPE_SPEC:
		return abs_spec(v, what);
	case OPT_TYPE_PATH:
		return abs_path(v, what, 1);
	case OPT_TYPE_OUTPUT:
		return abs_path(v, what, 0);
	default:
		if ((p = strdup(v)) == NULL)
			log_err("out of memory");
		return p;
	}
}

/*
 * One word of a systemd command line (systemd.service(5), "COMMAND
 * LINES"): "%" is a specifier, so it is doubled, and so is "$" (a
 * variable) except in the executable's path (exe), which systemd does
 * not expand; a word with blanks, quotes, backslashes or ";" is
 * double-quoted with C escapes.
 */
static void
sd_word(FILE *f, const char *s, int exe)
{
	const unsigned char	*p;
	int			 q;

	q = *s == '\0' || strpbrk(s, " \t\n\r\"'\\;") != NULL;
	for (p = (const unsigned char *)s; *p != '\0' && !q; p++)
		q = *p < 0x20 || *p == 0x7f;
	if (q)
		fputc('"', f);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '%':
			fputs("%%", f);
			break;
		case '$':
			fputs(exe ? "$" : "$$", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '"':
			fputs("\\\"", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\x%02x", *p);
			else
				fputc(*p, f);
			break;
		}
	}
	if (q)
		fputc('"', f);
}

/*
 * One word of a cron.d command: quoted for sh(1) (single quotes unless
 * every character is safe), and every "%" escaped as "\%" (crontab(5):
 * cron turns an unescaped "%" into a newline), outside the single quotes
 * so that a backslash before it in the word cannot pair with cron's.
 */
static void
cron_word(FILE *f, const char *s)
{
	const char	*p;
	int		 q;

	q = *s == '\0' || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-") != strlen(s);
	if (q)
		fputc('\'', f);
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'')
			fputs("'\\''", f);
		else if (*p == '%')
			fputs(q ? "'\\%'" : "\\%", f);
		else
			fputc(*p, f);
	}
	if (q)
		fputc('\'', f);
}

static void
sd_cmdline(FILE *f, const char *key, const char *self, const struct args *a)
{
	size_t	i;

	fprintf(f, "%s=", key);
	sd_word(f, self, 1);
	for (i = 0; i < a->n; i++) {
		fputc(' ', f);
		sd_word(f, a->v[i], 0);
	}
	fputc('\n', f);
}

static int
service_text(FILE *f, const struct sched *sc)
{
	fprintf(f, "# %s.service\n"
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
	sd_cmdline(f, "ExecCondition", sc->self, &sc->cond);
	sd_cmdline(f, "ExecStart", sc->self, &sc->run);
	fprintf(f, "# renew: 10 renewed, 75 another run holds the lock.\n"
	    "SuccessExitStatus=10 75\n");
	return 0;
}

static int
timer_text(FILE *f, const struct sched *sc)
{
	fprintf(f, "# %s.timer\n"
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
	return 0;
}

/* The cron.d file: twice a day at a random minute and hour. */
static int
cron_text(FILE *f, const struct sched *sc)
{
	uint16_t	rnd[2];
	size_t		i;
	unsigned	m, h;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		log_err("getrandom: %s", strerror(errno));
		return -1;
	}
	m = rnd[0] % 60;
	h = rnd[1] % 12;
	fprintf(f, "# /etc/cron.d/%s: renew etcd certificates before they "
	    "expire.\n"
	    "# Written by etcd-pki schedule; see etcd-pki(1).  Twice a day, "
	    "after a random\n"
	    "# delay of up to an hour; it stands down where systemd runs "
	    "(use the timer\n"
	    "# of \"etcd-pki schedule -systemd\" there).\n"
	    "SHELL=/bin/sh\n"
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:"
	    "/bin\n"
	    "%u %u,%u * * * root test -d /run/systemd/system || "
	    "{ sleep $(shuf -i 0-3599 -n 1); ", sc->name, m, h, h + 12);
	cron_word(f, sc->self);
	for (i = 0; i < sc->run.n; i++) {
		fputc(' ', f);
		cron_word(f, sc->run.v[i]);
	}
	fprintf(f, "; }\n");
	return 0;
}

/* A unit or cron.d name: [A-Za-z0-9_-]+, not starting with "-". */
static int
valid_name(const char *s)
{
	return *s != '\0' && *s != '-' && strlen(s) <= 200 &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_-") == strlen(s);
}

/*
 * Checks renew's argument list and fills sc->run (renew's arguments,
 * files made absolute) and sc->cond (needs-renewal's, with the same
 * timing and every certificate renew would look at).  Returns
 * CMD_RETURN_*.
 */
static int
plan_renew(const struct opts *o, struct sched *sc)
{
	const struct cmd_entry	*ce;
	struct pki_renew_policy	 pol;
	struct pki_cluster	*cl = NULL;
	struct opts		 ro;
	const char		*v, *member;
	char			*dir = NULL, *p;
	size_t			 i, nmatch = 0;
	int			 id, ret = CMD_RETURN_ERROR;

	memset(&ro, 0, sizeof(ro));
	if ((ce = cmd_find("renew")) == NULL) {
		log_err("this etcd-pki has no renew command");
		return CMD_RETURN_ERROR;
	}
	ro.cmd = ce->name;
	ro.prog = o->prog;
	switch (opts_parse(&ro, ce->opts, ce->interspersed, o->nargs,
	    o->args)) {
	case OPT_PARSE_OK:
		break;
	case OPT_PARSE_HELP:
		log_err("-h among renew's arguments: see '%s renew -h'",
		    o->prog);
		ret = CMD_RETURN_USAGE;
		goto out;
	default:
		log_err("invalid renew arguments (after --): see '%s renew -h'",
		    o->prog);
		ret = CMD_RETURN_USAGE;
		goto out;
	}
	/* Renew's values were checked as its flags were parsed. */
	ret = CMD_RETURN_USAGE;
	opts_renew_policy(&ro, &pol);
	member = opts_str(&ro, OPT_MEMBER);
	if (opts_str(&ro, OPT_CLUSTER) != NULL) {
		if (ro.nargs != 1) {
			log_err("renew -cluster DESC needs one argument, the "
			    "cluster's directory DIR (got %d)", ro.nargs);
			goto out;
		}
	} else if (ro.set[OPT_MEMBER]) {
		log_err("renew -member goes with -cluster DESC DIR");
		goto out;
	} else if (ro.nargs == 0) {
		log_err("nothing to renew: give renew's CERT... or -cluster "
		    "DESC DIR after --");
		goto out;
	}
	ret = CMD_RETURN_ERROR;

	/*
	 * renew -quiet FLAGS... ARGS..., files made absolute; opts_parse
	 * accepted renew's flags only.
	 */
	if (args_add(&sc->run, "renew") != 0 ||
	    args_add(&sc->run, "-quiet") != 0)
		goto out;
	for (id = 0; id < OPT__COUNT; id++) {	/* a stable order */
		if (!ro.set[id] || id == OPT_QUIET)
			continue;
		if (opt_table[id].type == OPT_TYPE_BOOL && !ro.b[id])
			continue;	/* -flag=false: the default */
		if (asprintf(&p, "-%s", opt_table[id].name) == -1)
			p = NULL;
		if (args_own(&sc->run, p) != 0)
			goto out;
		if (opt_table[id].type == OPT_TYPE_BOOL)
			continue;
		if ((p = abs_flag(id, ro.str[id])) == NULL ||
		    args_own(&sc->run, p) != 0)
			goto out;
	}
	for (i = 0; i < (size_t)ro.nargs; i++) {
		if ((p = abs_path(ro.args[i], opts_str(&ro, OPT_CLUSTER) ?
		    "DIR" : "CERT", 1)) == NULL)
			goto out;
		if (i == 0 && (dir = strdup(p)) == NULL) {
			free(p);
			log_err("out of memory");
			goto out;
		}
		if (args_own(&sc->run, p) != 0)
			goto out;
	}

	/*
	 * needs-renewal with renew's timing (-stagger alone selects it, with
	 * renew's default share of exactly 1/3), and every certificate.
	 */
	if (args_add(&sc->cond, "needs-renewal") != 0 ||
	    ((v = opts_str(&ro, OPT_RENEW_BEFORE)) != NULL &&
	    (args_add(&sc->cond, "-renew-before") != 0 ||
	    args_add(&sc->cond, v) != 0)) ||
	    args_add(&sc->cond, "-stagger") != 0 ||
	    args_add(&sc->cond, (v = opts_str(&ro, OPT_STAGGER)) != NULL ?
	    v : "5%") != 0)
		goto out;
	if (opts_str(&ro, OPT_CLUSTER) == NULL) {
		for (i = 0; i < (size_t)ro.nargs; i++)
			if (args_add(&sc->cond,
			    sc->run.v[sc->run.n - (size_t)ro.nargs + i]) != 0)
				goto out;
		ret = CMD_RETURN_NORMAL;
		goto out;
	}
	if (load_cluster(&ro, opts_str(&ro, OPT_CLUSTER), &cl) !=
	    CMD_RETURN_NORMAL)
		goto out;
	for (i = 0; i < pki_cluster_nleaves(cl); i++) {
		struct pki_cluster_leaf_info	li;

		pki_cluster_leaf(cl, i, &li);
		if (member != NULL && strcmp(li.name, member) != 0)
			continue;
		nmatch++;
		if (asprintf(&p, "%s/%s/%s.pem", dir, li.dir, li.name) == -1)
			p = NULL;
		if (p != NULL && access(p, F_OK) == -1)
			log_msg(LOG_WARNING, "%s: %s (needs-renewal exits 2 "
			    "for it until it is issued)", p, strerror(errno));
		if (args_own(&sc->cond, p) != 0)
			goto out;
	}
	if (nmatch == 0) {
		log_err("renew -member %s: no member or client of that name "
		    "in %s", member != NULL ? member : "",
		    opts_str(&ro, OPT_CLUSTER));
		goto out;
	}
	ret = CMD_RETURN_NORMAL;
 out:
	pki_cluster_free(cl);
	free(dir);
	opts_free(&ro);
	return ret;
}

/* Runs argv (no shell) and waits; 0, or -1 after reporting. */
static int
run_cmd(char *const argv[])
{
	pid_t	pid;
	size_t	i;
	int	status;

	printf("running:");
	for (i = 0; argv[i] != NULL; i++)
		printf(" %s", argv[i]);
	printf("\n");
	if (fflush(stdout) != 0) {
		log_err("cannot write to standard output");
		return -1;
	}
	if ((pid = fork()) == -1) {
		log_err("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			log_err("waitpid: %s", strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		log_err("%s %s: exit status %d", argv[0], argv[1],
		    WEXITSTATUS(status));
	else
		log_err("%s %s: killed by signal %d", argv[0], argv[1],
		    WTERMSIG(status));
	return -1;
}

/*
 * -install: writes the files (mode 0644, atomically, as one set) and,
 * for systemd units in the default directory of a host where systemd
 * runs, reloads systemd and enables the timer.
 */
static int
install(const struct opts *o, const struct sched *sc, const char *const *text,
    const char *const *suffix, size_t n)
{
	struct pki_error	 err;
	struct pki_file		 files[2];
	struct stat		 st;
	const char		*dir;
	char			*paths[2] = { NULL, NULL }, *timer = NULL;
	char			 sctl[] = "systemctl", dr[] = "daemon-reload";
	char			 en[] = "enable", now[] = "--now";
	char			*reload[] = { sctl, dr, NULL };
	char			*enable[] = { sctl, en, now, NULL, NULL };
	mode_t			 mask;
	size_t			 i;
	int			 r, dflt, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	memset(files, 0, sizeof(files));
	if (o->b[OPT_CRON])
		dir = opts_str(o, OPT_CRON_DIR) ? opts_str(o, OPT_CRON_DIR) :
		    SCHED_CRON_DIR;
	else
		dir = opts_str(o, OPT_UNIT_DIR) ? opts_str(o, OPT_UNIT_DIR) :
		    SCHED_UNIT_DIR;
	for (i = 0; i < n; i++) {
		if (asprintf(&paths[i], "%s/%s%s", dir, sc->name,
		    suffix[i]) == -1) {
			paths[i] = NULL;
			log_err("out of memory");
			goto out;
		}
		files[i].path = paths[i];
		files[i].data = text[i];
		files[i].len = strlen(text[i]);
		files[i].mode = 0644;
	}
	/* Readable by everyone whatever the umask: they hold no secret. */
	mask = umask(022);
	r = pki_file_write_set(files, n, &err);
	umask(mask);
	if (r != 0) {
		log_pki(&err, r);
		goto out;
	}
	for (i = 0; i < n; i++)
		printf("wrote %s\n", paths[i]);
	if (o->b[OPT_CRON]) {
		ret = CMD_RETURN_NORMAL;
		goto out;
	}
	if (asprintf(&timer, "%s.timer", sc->name) == -1) {
		timer = NULL;
		log_err("out of memory");
		goto out;
	}
	dflt = strcmp(dir, SCHED_UNIT_DIR) == 0;
	if (!dflt || stat("/run/systemd/system", &st) == -1 ||
	    !S_ISDIR(st.st_mode)) {
		printf("%s, then run: systemctl daemon-reload && systemctl "
		    "enable --now %s\n", dflt ? "systemd is not running here" :
		    "copy the units to /etc/systemd/system", timer);
		ret = CMD_RETURN_NORMAL;
		goto out;
	}
	enable[3] = timer;
	if (run_cmd(reload) != 0 || run_cmd(enable) != 0)
		goto out;
	ret = CMD_RETURN_NORMAL;
 out:
	free(paths[0]);
	free(paths[1]);
	free(timer);
	return ret;
}

/* Builds a text with fn into a malloc'ed string; NULL on failure. */
static char *
build(int (*fn)(FILE *, const struct sched *), const struct sched *sc)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 len = 0;
	int	 r;

	if ((f = open_memstream(&buf, &len)) == NULL) {
		log_err("open_memstream: %s", strerror(errno));
		return NULL;
	}
	r = fn(f, sc);
	if (fclose(f) != 0 || r != 0) {
		if (r == 0)
			log_err("out of memory");
		free(buf);
		return NULL;
	}
	return buf;
}

static int
cmd_schedule_exec(struct opts *o)
{
	struct sched	 sc;
	const char	*suffix[2];
	char		*text[2] = { NULL, NULL };
	size_t		 i, n;
	int		 ret = CMD_RETURN_USAGE;

	memset(&sc, 0, sizeof(sc));
	sc.name = o->set[OPT_NAME] ? o->str[OPT_NAME] : SCHED_NAME;
	if (o->b[OPT_CRON] && o->b[OPT_SYSTEMD]) {
		log_err("-systemd and -cron: choose one");
		goto out;
	}
	if ((o->b[OPT_CRON] && o->set[OPT_UNIT_DIR]) ||
	    (!o->b[OPT_CRON] && o->set[OPT_CRON_DIR])) {
		log_err(o->b[OPT_CRON] ? "-unit-dir goes with systemd units, "
		    "not -cron" : "-cron-dir goes with -cron");
		goto out;
	}
	if (!o->b[OPT_INSTALL] && (o->set[OPT_UNIT_DIR] ||
	    o->set[OPT_CRON_DIR])) {
		log_err("-%s only applies with -install",
		    o->set[OPT_UNIT_DIR] ? "unit-dir" : "cron-dir");
		goto out;
	}
	if (!valid_name(sc.name)) {
		log_err("-name \"%s\": use letters, digits, \"_\" and \"-\" "
		    "only, not starting with \"-\" (cron ignores other file "
		    "names; a systemd unit name must not be a template)",
		    sc.name);
		goto out;
	}
	if ((ret = plan_renew(o, &sc)) != CMD_RETURN_NORMAL)
		goto out;
	ret = CMD_RETURN_ERROR;
	if ((sc.self = realpath("/proc/self/exe", NULL)) == NULL) {
		log_err("/proc/self/exe: %s: cannot find this program's "
		    "absolute path", strerror(errno));
		goto out;
	}
	if (o->b[OPT_CRON]) {
		for (i = 0; i < sc.run.n; i++) {
			if (strpbrk(sc.run.v[i], "\n\r") != NULL) {
				log_err("renew argument \"%s\": a cron line "
				    "cannot hold a newline", sc.run.v[i]);
				goto out;
			}
		}
		if (strpbrk(sc.self, "\n\r") != NULL) {
			log_err("%s: a cron line cannot hold a newline",
			    sc.self);
			goto out;
		}
		if ((text[0] = build(cron_text, &sc)) == NULL)
			goto out;
		suffix[0] = "";
		n = 1;
	} else {
		if ((text[0] = build(service_text, &sc)) == NULL ||
		    (text[1] = build(timer_text, &sc)) == NULL)
			goto out;
		suffix[0] = ".service";
		suffix[1] = ".timer";
		n = 2;
	}
	if (o->b[OPT_INSTALL]) {
		ret = install(o, &sc, (const char *const *)text, suffix, n);
		goto out;
	}
	for (i = 0; i < n; i++)
		printf("%s%s", i > 0 ? "\n" : "", text[i]);
	ret = CMD_RETURN_NORMAL;
 out:
	free(text[0]);
	free(text[1]);
	free(sc.self);
	args_free(&sc.run);
	args_free(&sc.cond);
	return ret;
}

const struct cmd_entry cmd_schedule_entry = {
	"schedule",
	"print or install a systemd timer (or cron.d file) running renew",
	"        PROG schedule [-systemd | -cron] [-install] [-unit-dir DIR] "
	"[-cron-dir DIR]\n"
	"            [-name NAME] -- RENEW-ARGS...\n"
	"\n"
	"Prints NAME.service and NAME.timer (or, with -cron, a cron.d file)\n"
	"that run \"renew -quiet RENEW-ARGS\" twice a day, the service only\n"
	"when needs-renewal finds a certificate due.  RENEW-ARGS are renew's\n"
	"flags and its CERT... or DIR; the files among them are made\n"
	"absolute.  -install writes the files and enables the timer.",
	schedule_opts,
	cmd_schedule_exec,
	1,
	0
};
