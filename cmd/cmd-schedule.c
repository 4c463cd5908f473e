/*
 * cmd-schedule.c: "etcd-pki schedule": the systemd service and timer (or
 * the cron.d file) that run "etcd-pki renew" twice a day, printed or
 * installed.  Everything after "--" is renew's argument list: it is
 * checked against renew's flags, and every file in it is made absolute,
 * since units and cron jobs run from /.  The command lines and the files'
 * texts are the library's (pki_schedule_plan_*, pki_schedule_files).
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
#include "notes.h"
#include "run.h"

#define SCHED_NAME		"etcd-pki-renew"
#define SCHED_UNIT_DIR		"/etc/systemd/system"
#define SCHED_CRON_DIR		"/etc/cron.d"
#define SYSTEMCTL_TIMEOUT	120	/* seconds */

static const int schedule_opts[] = {
	OPT_SYSTEMD, OPT_CRON, OPT_INSTALL, OPT_UNIT_DIR, OPT_CRON_DIR,
	OPT_NAME, OPT_END
};

/* Parses and checks renew's argument list (after "--") into ro. */
static int
renew_args(const struct opts *o, struct opts *ro)
{
	const struct cmd_entry	*ce;
	struct pki_error	 err;

	memset(&err, 0, sizeof(err));
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
	if (pki_targets_args_check(opts_str(ro, OPT_CLUSTER) != NULL,
	    ro->set[OPT_MEMBER], ro->set[OPT_CSR_JSON], ro->nargs, &err) == 0)
		return CMD_RETURN_NORMAL;
	log_err("renew's arguments (after --): %s", err.text);
	return CMD_RETURN_USAGE;
}

/*
 * Renew's flags in ro as the job passes them on, in the flag table's
 * order (a stable one): -quiet left out (the job adds it) and
 * -flag=false too (the default).  *fv is the caller's.  0 or -1.
 */
static int
renew_flags(const struct opts *ro, struct pki_schedule_flag **fv, size_t *n)
{
	struct pki_schedule_flag	*v;
	int				 id;

	*n = 0;
	if ((*fv = v = calloc(OPT__COUNT, sizeof(*v))) == NULL) {
		log_err("out of memory");
		return -1;
	}
	for (id = 0; id < OPT__COUNT; id++) {
		if (!ro->set[id] || id == OPT_QUIET ||
		    (opt_table[id].type == OPT_TYPE_BOOL && !ro->b[id]))
			continue;
		v[*n].name = opt_table[id].name;
		v[*n].value = ro->str[id];
		switch (opt_table[id].type) {
		case OPT_TYPE_BOOL:
			v[*n].kind = PKI_SCHED_ARG_BOOL;
			v[*n].value = NULL;
			break;
		case OPT_TYPE_SPEC:
			v[*n].kind = PKI_SCHED_ARG_SPEC;
			break;
		case OPT_TYPE_PATH:
			v[*n].kind = PKI_SCHED_ARG_PATH;
			break;
		case OPT_TYPE_OUTPUT:
			v[*n].kind = PKI_SCHED_ARG_OUTPUT;
			break;
		default:
			v[*n].kind = PKI_SCHED_ARG_WORD;
			break;
		}
		(*n)++;
	}
	return 0;
}

/*
 * What the units run, from renew's arguments ro (the library's
 * pki_schedule_plan_*).  0, or -1 after an error.
 */
static int
plan(const struct opts *ro, struct pki_schedule_plan *p)
{
	struct pki_error		 err;
	struct pki_schedule_renew	 rq;
	struct pki_schedule_flag	*fv = NULL;
	struct pki_cluster		*cl = NULL;
	struct notes			 loud;
	int				 r, ret = -1;

	memset(&err, 0, sizeof(err));
	memset(&rq, 0, sizeof(rq));
	memset(&loud, 0, sizeof(loud));
	if (renew_flags(ro, &fv, &rq.nflags) != 0)
		return -1;
	rq.flags = fv;
	rq.args = (const char *const *)ro->args;
	rq.nargs = (size_t)ro->nargs;
	rq.renew_before = opts_str(ro, OPT_RENEW_BEFORE);
	rq.stagger = opts_str(ro, OPT_STAGGER);
	rq.cluster = opts_str(ro, OPT_CLUSTER);
	rq.member = opts_str(ro, OPT_MEMBER);
	rq.nt.note = notes_print;
	rq.nt.arg = &loud;
	if ((r = pki_schedule_plan_run(&rq, p, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	if (rq.cluster != NULL && load_cluster(ro, rq.cluster, &cl) !=
	    CMD_RETURN_NORMAL)
		goto out;
	rq.cl = cl;
	if ((r = pki_schedule_plan_cond(&rq, p, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	ret = 0;
 out:
	pki_cluster_free(cl);
	free(fv);
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
	struct pki_schedule_plan	 sc;
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
	if (plan(&ro, &sc) != 0)
		goto out;
	if ((self = realpath("/proc/self/exe", NULL)) == NULL) {
		log_err("/proc/self/exe: %s: cannot find this program's "
		    "absolute path", strerror(errno));
		goto out;
	}
	ps.self = self;
	ps.run = (const char *const *)sc.run;
	ps.nrun = sc.nrun;
	ps.cond = (const char *const *)sc.cond;
	ps.ncond = sc.ncond;
	ps.rw = (const char *const *)sc.rw;
	ps.nrw = sc.nrw;
	ps.auth_key_file = sc.auth_key_file;
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
	pki_schedule_plan_clear(&sc);
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
