/*
 * cmd-schedule.c: "etcd-pki schedule": the systemd service and timer (or
 * the cron.d file) that run "etcd-pki renew" twice a day, printed or
 * installed.  Everything after "--" is renew's argument list: it is
 * checked against renew's flags, and every file in it is made absolute,
 * since units and cron jobs run from /.  The files' texts are the
 * library's (pki_schedule_files).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"
#include "run.h"

#define SCHED_NAME		"etcd-pki-renew"
#define SCHED_UNIT_DIR		"/etc/systemd/system"
#define SCHED_CRON_DIR		"/etc/cron.d"
#define SYSTEMCTL_TIMEOUT	120	/* seconds */

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
	struct args	 cond;		/* needs-renewal's arguments */
	struct args	 run;		/* renew's arguments */
	struct args	 rw;		/* what renew writes (sandbox) */
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
	pki_strv_free(a->v, a->n);
	a->v = NULL;
	a->n = 0;
}

/*
 * path made absolute (pki_path_absolute with flags), or NULL after
 * reporting "WHAT PATH: problem".
 */
static char *
abs_path(const char *path, const char *what, int flags)
{
	struct pki_error	 err;
	char			*out = NULL;
	int			 r;

	memset(&err, 0, sizeof(err));
	if ((r = pki_path_absolute(path, flags, &out, &err)) != 0) {
		log_err("%s %s", what, err.text[0] != '\0' ? err.text :
		    pki_strerror(r));
		return NULL;
	}
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
		return abs_path(v, what, PKI_ABS_EXISTS | PKI_ABS_SPEC);
	case OPT_TYPE_PATH:
		return abs_path(v, what, PKI_ABS_EXISTS);
	case OPT_TYPE_OUTPUT:
		return abs_path(v, what, 0);
	default:
		if ((p = strdup(v)) == NULL)
			log_err("out of memory");
		return p;
	}
}

/* Parses and checks renew's argument list (after "--") into ro. */
static int
renew_args(const struct opts *o, struct opts *ro)
{
	const struct cmd_entry	*ce;

	if ((ce = cmd_find("renew")) == NULL) {
		log_err("this etcd-pki has no renew command");
		return CMD_RETURN_ERROR;
	}
	ro->cmd = ce->name;
	ro->prog = o->prog;
	switch (opts_parse(ro, ce->opts, ce->interspersed, o->nargs,
	    o->args)) {
	case OPT_PARSE_OK:
		break;
	case OPT_PARSE_HELP:
		log_err("-h among renew's arguments: see '%s renew -h'",
		    o->prog);
		return CMD_RETURN_USAGE;
	default:
		log_err("invalid renew arguments (after --): see '%s renew -h'",
		    o->prog);
		return CMD_RETURN_USAGE;
	}
	/* Renew's values were checked as its flags were parsed. */
	if (opts_str(ro, OPT_CLUSTER) != NULL) {
		if (ro->nargs != 1) {
			log_err("renew -cluster DESC needs one argument, the "
			    "cluster's directory DIR (got %d)", ro->nargs);
			return CMD_RETURN_USAGE;
		}
	} else if (ro->set[OPT_MEMBER]) {
		log_err("renew -member goes with -cluster DESC DIR");
		return CMD_RETURN_USAGE;
	} else if (ro->nargs == 0) {
		log_err("nothing to renew: give renew's CERT... or -cluster "
		    "DESC DIR after --");
		return CMD_RETURN_USAGE;
	}
	return CMD_RETURN_NORMAL;
}

/*
 * sc->run: renew -quiet FLAGS... ARGS..., files made absolute (opts_parse
 * accepted renew's flags only).  0, or -1 after an error.
 */
static int
run_args(const struct opts *ro, struct sched *sc)
{
	char	*p;
	int	 id, i;

	if (args_add(&sc->run, "renew") != 0 ||
	    args_add(&sc->run, "-quiet") != 0)
		return -1;
	for (id = 0; id < OPT__COUNT; id++) {	/* a stable order */
		if (!ro->set[id] || id == OPT_QUIET)
			continue;
		if (opt_table[id].type == OPT_TYPE_BOOL && !ro->b[id])
			continue;	/* -flag=false: the default */
		if (asprintf(&p, "-%s", opt_table[id].name) == -1)
			p = NULL;
		if (args_own(&sc->run, p) != 0)
			return -1;
		if (opt_table[id].type != OPT_TYPE_BOOL &&
		    ((p = abs_flag(id, ro->str[id])) == NULL ||
		    args_own(&sc->run, p) != 0 || (opt_table[id].type ==
		    OPT_TYPE_OUTPUT && args_add(&sc->rw, p) != 0)))
			return -1;
	}
	for (i = 0; i < ro->nargs; i++)
		if ((p = abs_path(ro->args[i], opts_str(ro, OPT_CLUSTER) ?
		    "DIR" : "CERT", PKI_ABS_EXISTS)) == NULL ||
		    args_own(&sc->run, p) != 0 || args_add(&sc->rw, p) != 0)
			return -1;
	return 0;
}

/*
 * sc->cond: needs-renewal with renew's timing (-stagger alone selects
 * it, with renew's default share of exactly 1/3) and every certificate
 * renew looks at (run_args made them absolute).  0, or -1 after an error.
 */
static int
cond_args(const struct opts *ro, struct sched *sc)
{
	struct pki_error	 err;
	struct pki_cluster	*cl = NULL;
	struct pki_cldir_leaf	*v = NULL;
	const char		*s, *member = opts_str(ro, OPT_MEMBER);
	char			*p;
	size_t			 i, n = 0;
	int			 ret = -1;

	memset(&err, 0, sizeof(err));
	if (args_add(&sc->cond, "needs-renewal") != 0 ||
	    ((s = opts_str(ro, OPT_RENEW_BEFORE)) != NULL &&
	    (args_add(&sc->cond, "-renew-before") != 0 ||
	    args_add(&sc->cond, s) != 0)) ||
	    args_add(&sc->cond, "-stagger") != 0 ||
	    args_add(&sc->cond, (s = opts_str(ro, OPT_STAGGER)) != NULL ?
	    s : "5%") != 0)
		return -1;
	if (opts_str(ro, OPT_CLUSTER) == NULL) {
		for (i = 0; i < (size_t)ro->nargs; i++)
			if (args_add(&sc->cond,
			    sc->run.v[sc->run.n - (size_t)ro->nargs + i]) != 0)
				return -1;
		return 0;
	}
	if (load_cluster(ro, opts_str(ro, OPT_CLUSTER), &cl) !=
	    CMD_RETURN_NORMAL)
		return -1;
	if (pki_cldir_leaves(cl, sc->run.v[sc->run.n - 1], member, &v, &n,
	    &err) != 0) {
		log_pki(&err, PKI_ERR_ALLOC);
		goto out;
	}
	if (n == 0) {
		log_err("renew -member %s: no member or client of that name "
		    "in %s", member != NULL ? member : "",
		    opts_str(ro, OPT_CLUSTER));
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (asprintf(&p, "%s/%s.pem", v[i].dir, v[i].name) == -1)
			p = NULL;
		if (p != NULL && access(p, F_OK) == -1)
			log_msg(LOG_WARNING, "%s: %s (needs-renewal exits 2 "
			    "for it until it is issued)", p, strerror(errno));
		if (args_own(&sc->cond, p) != 0)
			goto out;
	}
	/* The CRL renew renews: due at the same share of its lifetime. */
	if (asprintf(&p, "%s/%s", sc->run.v[sc->run.n - 1],
	    PKI_CLDIR_CRL_DER) == -1)
		p = NULL;
	if (p != NULL && access(p, F_OK) == -1) {
		free(p);
		p = NULL;
	} else if (p == NULL || args_own(&sc->cond, p) != 0)
		goto out;
	ret = 0;
 out:
	pki_cldir_leaves_free(v, n);
	pki_cluster_free(cl);
	return ret;
}

/* Runs "systemctl ARGS" (no shell) and waits; 0, or -1 after reporting. */
static int
systemctl(const char *args)
{
	struct run_cmd	 rc;
	char		*text = NULL;
	int		 st = -1;

	if (asprintf(&text, "systemctl %s", args) == -1) {
		log_err("out of memory");
		return -1;
	}
	printf("running: %s\n", text);
	if (fflush(stdout) != 0)
		log_err("cannot write to standard output");
	else if (run_parse(&rc, "-install", text) == 0) {
		if ((st = run_exec(&rc, NULL, SYSTEMCTL_TIMEOUT)) > 0)
			log_err("%s: exit status %d", text, st);
		run_free(&rc);
	}
	free(text);
	return st == 0 ? 0 : -1;
}

/*
 * -install: writes the files (mode 0644, atomically, as one set) and,
 * for systemd units in the default directory of a host where systemd
 * runs, reloads systemd and enables the timer.
 */
static int
install(const struct opts *o, const char *name,
    const struct pki_schedule_files *sf)
{
	struct pki_error	 err;
	struct pki_file		 files[2];
	struct stat		 st;
	const char		*dir;
	char			*paths[2] = { NULL, NULL }, *enable = NULL;
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
	for (i = 0; i < sf->n; i++) {
		if (asprintf(&paths[i], "%s/%s%s", dir, name,
		    sf->suffix[i]) == -1) {
			paths[i] = NULL;
			log_err("out of memory");
			goto out;
		}
		files[i].path = paths[i];
		files[i].data = sf->text[i];
		files[i].len = strlen(sf->text[i]);
		files[i].mode = 0644;
	}
	/* Readable by everyone whatever the umask: they hold no secret. */
	mask = umask(022);
	r = pki_file_write_set(files, sf->n, &err);
	umask(mask);
	if (r != 0) {
		log_pki(&err, r);
		goto out;
	}
	for (i = 0; i < sf->n; i++)
		printf("wrote %s\n", paths[i]);
	ret = CMD_RETURN_NORMAL;
	if (o->b[OPT_CRON])
		goto out;
	dflt = strcmp(dir, SCHED_UNIT_DIR) == 0;
	if (!dflt || stat("/run/systemd/system", &st) == -1 ||
	    !S_ISDIR(st.st_mode)) {
		printf("%s, then run: systemctl daemon-reload && systemctl "
		    "enable --now %s.timer\n", dflt ? "systemd is not running "
		    "here" : "copy the units to /etc/systemd/system", name);
		goto out;
	}
	if (asprintf(&enable, "enable --now %s.timer", name) == -1) {
		enable = NULL;
		log_err("out of memory");
		ret = CMD_RETURN_ERROR;
	} else if (systemctl("daemon-reload") != 0 || systemctl(enable) != 0)
		ret = CMD_RETURN_ERROR;
 out:
	free(paths[0]);
	free(paths[1]);
	free(enable);
	return ret;
}

/* The flags of schedule itself: CMD_RETURN_NORMAL or _USAGE. */
static int
check_flags(const struct opts *o, const char *name)
{
	struct pki_error	err;

	memset(&err, 0, sizeof(err));
	if (o->b[OPT_CRON] && o->b[OPT_SYSTEMD]) {
		log_err("-systemd and -cron: choose one");
		return CMD_RETURN_USAGE;
	}
	if ((o->b[OPT_CRON] && o->set[OPT_UNIT_DIR]) ||
	    (!o->b[OPT_CRON] && o->set[OPT_CRON_DIR])) {
		log_err(o->b[OPT_CRON] ? "-unit-dir goes with systemd units, "
		    "not -cron" : "-cron-dir goes with -cron");
		return CMD_RETURN_USAGE;
	}
	if (!o->b[OPT_INSTALL] && (o->set[OPT_UNIT_DIR] ||
	    o->set[OPT_CRON_DIR])) {
		log_err("-%s only applies with -install",
		    o->set[OPT_UNIT_DIR] ? "unit-dir" : "cron-dir");
		return CMD_RETURN_USAGE;
	}
	if (pki_schedule_name_check(name, &err) != 0) {
		log_err("-name %s", err.text);
		return CMD_RETURN_USAGE;
	}
	return CMD_RETURN_NORMAL;
}

static int
cmd_schedule_exec(struct opts *o)
{
	struct pki_error		 err;
	struct pki_schedule		 ps;
	struct pki_schedule_files	 sf;
	struct sched			 sc;
	struct opts			 ro;
	char				*self = NULL;
	size_t				 i;
	int				 r, ret;

	memset(&err, 0, sizeof(err));
	memset(&ps, 0, sizeof(ps));
	memset(&sf, 0, sizeof(sf));
	memset(&sc, 0, sizeof(sc));
	memset(&ro, 0, sizeof(ro));
	ps.name = o->set[OPT_NAME] ? o->str[OPT_NAME] : SCHED_NAME;
	if ((ret = check_flags(o, ps.name)) != CMD_RETURN_NORMAL ||
	    (ret = renew_args(o, &ro)) != CMD_RETURN_NORMAL)
		goto out;
	ret = CMD_RETURN_ERROR;
	if (run_args(&ro, &sc) != 0 || cond_args(&ro, &sc) != 0)
		goto out;
	if ((self = realpath("/proc/self/exe", NULL)) == NULL) {
		log_err("/proc/self/exe: %s: cannot find this program's "
		    "absolute path", strerror(errno));
		goto out;
	}
	ps.self = self;
	ps.run = (const char *const *)sc.run.v;
	ps.nrun = sc.run.n;
	ps.cond = (const char *const *)sc.cond.v;
	ps.ncond = sc.cond.n;
	ps.rw = (const char *const *)sc.rw.v;
	ps.nrw = sc.rw.n;
	if ((r = pki_schedule_files(&ps, o->b[OPT_CRON] ? PKI_SCHED_CRON :
	    PKI_SCHED_SYSTEMD, &sf, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	if (o->b[OPT_INSTALL]) {
		ret = install(o, ps.name, &sf);
		goto out;
	}
	for (i = 0; i < sf.n; i++)
		printf("%s%s", i > 0 ? "\n" : "", sf.text[i]);
	ret = CMD_RETURN_NORMAL;
 out:
	pki_schedule_files_clear(&sf);
	free(self);
	args_free(&sc.run);
	args_free(&sc.cond);
	args_free(&sc.rw);
	opts_free(&ro);
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
