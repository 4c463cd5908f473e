/*
 * t-schedule.c: the files of "etcd-pki schedule" (pki/schedule.c): the
 * name check, the exact service and timer texts, systemd's and cron's
 * quoting of every kind of word, the cron line's times and the newlines
 * it refuses; and pki_path_absolute() on relative paths, links, specs
 * and missing files.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pki.h"
#include "../tap.h"

static const char	*cond[] = { "needs-renewal", "-stagger", "5%",
    "/etc/etcd/pki/etcd1.pem" };
static const char	*run[] = { "renew", "-quiet",
    "/etc/etcd/pki/etcd1.pem" };

/* What renew writes: a certificate stands for its directory. */
static const char	*rw[] = { "/etc/etcd/pki/etcd1.pem",
    "/etc/etcd/pki/etcd1-key.pem" };

static const char	service[] =
    "# etcd-pki-renew.service\n"
    "# Written by etcd-pki schedule; see etcd-pki(1).\n"
    "[Unit]\n"
    "Description=etcd-pki: renew etcd certificates before they expire\n"
    "Documentation=man:etcd-pki(1)\n"
    "Wants=network-online.target\n"
    "After=network-online.target\n"
    "\n"
    "[Service]\n"
    "Type=oneshot\n"
    "# needs-renewal exits 0 when a certificate is due (run renew), 1 when "
    "none\n"
    "# is (skip, not a failure), 255 on an error (fail); systemd >= 243.\n"
    "ExecCondition=/usr/bin/etcd-pki needs-renewal -stagger 5%% "
    "/etc/etcd/pki/etcd1.pem\n"
    "ExecStart=/usr/bin/etcd-pki renew -quiet /etc/etcd/pki/etcd1.pem\n"
    "# renew: 10 renewed, 75 another run holds the lock.\n"
    "SuccessExitStatus=10 75\n"
    "# A run that hangs is stopped, fails and frees the lock.\n"
    "TimeoutStartSec=30min\n"
    "ReadWritePaths=/etc/etcd/pki\n"
    "PrivateTmp=yes\n"
    "# Sandbox (systemd.exec(5)); a drop-in (systemctl edit) relaxes it\n"
    "# for hooks that need more.\n"
    "ProtectSystem=strict\n"
    "ProtectHome=read-only\n"
    "PrivateDevices=yes\n"
    "NoNewPrivileges=yes\n"
    "CapabilityBoundingSet=CAP_CHOWN CAP_FOWNER CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH\n"
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

static const char	timer[] =
    "# etcd-pki-renew.timer\n"
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
    "WantedBy=timers.target\n";

static void
sched(struct pki_schedule *sc, const char *name, const char *self,
    const char **r, size_t nr)
{
	memset(sc, 0, sizeof(*sc));
	sc->name = name;
	sc->self = self;
	sc->cond = cond;
	sc->ncond = sizeof(cond) / sizeof(cond[0]);
	sc->run = r;
	sc->nrun = nr;
	sc->rw = rw;
	sc->nrw = sizeof(rw) / sizeof(rw[0]);
}

static void
test_names(void)
{
	struct pki_error	err;
	char			longname[202];

	memset(&err, 0, sizeof(err));
	is_int(pki_schedule_name_check("etcd_renew-2", &err), 0,
	    "name: letters, digits, _ and -");
	is_int(pki_schedule_name_check("-x", &err), PKI_ERR_ARG,
	    "name: not starting with -");
	ok(strncmp(err.text, "\"-x\": use letters, digits", 25) == 0,
	    "name: the message starts with it (%s)", err.text);
	is_int(pki_schedule_name_check("", &err), PKI_ERR_ARG,
	    "name: not empty");
	is_int(pki_schedule_name_check("a.timer", &err), PKI_ERR_ARG,
	    "name: no dot (cron ignores such files)");
	is_int(pki_schedule_name_check("a@b", &err), PKI_ERR_ARG,
	    "name: no @ (a systemd template)");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	is_int(pki_schedule_name_check(longname, &err), PKI_ERR_ARG,
	    "name: at most 200 bytes");
	longname[200] = '\0';
	is_int(pki_schedule_name_check(longname, &err), 0,
	    "name: 200 bytes");
}

static void
test_systemd(void)
{
	struct pki_schedule		 sc;
	struct pki_schedule_files	 f;
	struct pki_error		 err;
	const char			*odd[] = { "renew", "a b", "100%",
	    "$HOME", "q\"uote", "back\\slash", "semi;colon", "", "tab\there",
	    "it's" };
	const char			*line;
	char				 buf[512];

	memset(&err, 0, sizeof(err));
	sched(&sc, "etcd-pki-renew", "/usr/bin/etcd-pki", run,
	    sizeof(run) / sizeof(run[0]));
	is_int(pki_schedule_files(&sc, PKI_SCHED_SYSTEMD, &f, &err), 0,
	    "systemd: the files");
	ok(f.n == 2 && strcmp(f.suffix[0], ".service") == 0 &&
	    strcmp(f.suffix[1], ".timer") == 0, "systemd: a service and a "
	    "timer");
	is_str(f.text[0], service, "systemd: the service, exactly");
	is_str(f.text[1], timer, "systemd: the timer, exactly");
	pki_schedule_files_clear(&f);
	ok(f.n == 0 && f.text[0] == NULL, "cleared");

	sched(&sc, "x", "/opt/my $dir/etcd-pki", odd,
	    sizeof(odd) / sizeof(odd[0]));
	is_int(pki_schedule_files(&sc, PKI_SCHED_SYSTEMD, &f, &err), 0,
	    "systemd: odd words");
	line = f.text[0] != NULL ? strstr(f.text[0], "ExecStart=") : NULL;
	snprintf(buf, sizeof(buf), "%.*s", line != NULL ? (int)strcspn(line,
	    "\n") : 0, line != NULL ? line : "");
	is_str(buf,
	    "ExecStart=\"/opt/my $dir/etcd-pki\" renew \"a b\" 100%% $$HOME "
	    "\"q\\\"uote\" \"back\\\\slash\" \"semi;colon\" \"\" "
	    "\"tab\\x09here\" \"it's\"",
	    "systemd: %% and $ doubled ($ not in the program's path), "
	    "quotes, escapes");
	pki_schedule_files_clear(&f);
	sched(&sc, "a b", "/usr/bin/etcd-pki", run, 3);
	is_int(pki_schedule_files(&sc, PKI_SCHED_SYSTEMD, &f, &err),
	    PKI_ERR_ARG, "systemd: a bad name refused");
}

static void
test_cron(void)
{
	struct pki_schedule		 sc;
	struct pki_schedule_files	 f;
	struct pki_error		 err;
	const char			*odd[] = { "renew", "50%", "a b%c",
	    "it's" };
	const char			*nl[] = { "renew", "a\nb" };
	const char			*line;
	unsigned			 m = 99, h = 99, h2 = 99;

	memset(&err, 0, sizeof(err));
	sched(&sc, "etcd-pki-renew", "/usr/bin/etcd-pki", odd,
	    sizeof(odd) / sizeof(odd[0]));
	is_int(pki_schedule_files(&sc, PKI_SCHED_CRON, &f, &err), 0,
	    "cron: the file");
	ok(f.n == 1 && strcmp(f.suffix[0], "") == 0, "cron: one file, NAME");
	ok(f.text[0] != NULL && strncmp(f.text[0], "# /etc/cron.d/etcd-pki-"
	    "renew: renew etcd", 40) == 0, "cron: its header");
	line = f.text[0] != NULL ? strstr(f.text[0], ":/sbin:/bin\n") : NULL;
	line = line != NULL ? line + 12 : "";
	ok(sscanf(line, "%u %u,%u * * * root ", &m, &h, &h2) == 3 && m < 60 &&
	    h < 12 && h2 == h + 12, "cron: a random minute, an hour and 12 "
	    "hours later (%u %u,%u)", m, h, h2);
	ok(strstr(line, "root test -d /run/systemd/system || { sleep $(shuf "
	    "-i 0-3599 -n 1); timeout -k 1m 30m /usr/bin/etcd-pki renew 50\\% "
	    "'a b'\\%'c' "
	    "'it'\\''s'; }\n") != NULL, "cron: words quoted for sh, %% "
	    "escaped outside the quotes (%s)", line);
	pki_schedule_files_clear(&f);

	sched(&sc, "etcd-pki-renew", "/usr/bin/etcd-pki", nl, 2);
	is_int(pki_schedule_files(&sc, PKI_SCHED_CRON, &f, &err), PKI_ERR_ARG,
	    "cron: a newline in renew's words refused");
	is_str(err.text, "renew argument \"a\\nb\": a cron line cannot hold "
	    "a newline", "... saying which, in one line");
	is_int(pki_schedule_files(&sc, PKI_SCHED_SYSTEMD, &f, &err), 0,
	    "systemd: the same word is fine (C escape)");
	ok(f.text[0] != NULL && strstr(f.text[0], " \"a\\x0ab\"\n") != NULL,
	    "... as \\x0a");
	pki_schedule_files_clear(&f);
	sched(&sc, "etcd-pki-renew", "/usr/bin/etc\nd-pki", run, 3);
	is_int(pki_schedule_files(&sc, PKI_SCHED_CRON, &f, &err), PKI_ERR_ARG,
	    "cron: a newline in the program's path refused");
}

/* pki_path_absolute(path, flags) as a string (static), or "E:text". */
static const char *
absolute(const char *path, int flags)
{
	static char		 buf[PATH_MAX + 300];
	struct pki_error	 err;
	char			*out = NULL;

	memset(&err, 0, sizeof(err));
	if (pki_path_absolute(path, flags, &out, &err) != 0)
		snprintf(buf, sizeof(buf), "E:%s", err.text);
	else
		snprintf(buf, sizeof(buf), "%s", out);
	free(out);
	return buf;
}

static void
test_paths(void)
{
	char	tmpl[] = "/tmp/t-schedule.XXXXXX", *d, cwd[PATH_MAX];
	char	want[PATH_MAX + 64], *real;
	FILE	*f;

	if ((d = mkdtemp(tmpl)) == NULL || (real = realpath(d, NULL)) ==
	    NULL || getcwd(cwd, sizeof(cwd)) == NULL || chdir(d) != 0 ||
	    mkdir("sub", 0700) != 0 || (f = fopen("sub/a.pem", "w")) == NULL ||
	    fclose(f) != 0 || symlink("sub/a.pem", "link.pem") != 0) {
		diag("setup failed");
		return;
	}
	snprintf(want, sizeof(want), "%s/sub/a.pem", real);
	is_str(absolute("sub/a.pem", PKI_ABS_EXISTS), want, "a relative file");
	is_str(absolute("sub/../sub/./a.pem", PKI_ABS_EXISTS), want,
	    "its directory resolved");
	snprintf(want, sizeof(want), "%s/link.pem", real);
	is_str(absolute("link.pem", PKI_ABS_EXISTS), want,
	    "a link stays a link (its last component kept)");
	snprintf(want, sizeof(want), "%s/sub", real);
	is_str(absolute("sub/", PKI_ABS_EXISTS), want, "a directory with /");
	is_str(absolute(".", PKI_ABS_EXISTS), real, "\".\"");
	snprintf(want, sizeof(want), "%s/out.prom", real);
	is_str(absolute("out.prom", 0), want, "an output need not exist");
	is_str(absolute("nope.pem", PKI_ABS_EXISTS),
	    "E:nope.pem: No such file or directory", "an input must exist");
	is_str(absolute("no/x.pem", 0), "E:no/x.pem: no: No such file or "
	    "directory", "its directory must exist");
	is_str(absolute("-", 0), "E:\"-\": a scheduled job needs a file",
	    "stdin refused");
	is_str(absolute("", 0), "E:\"\": a scheduled job needs a file",
	    "nothing refused");
	is_str(absolute("env:CA_PEM", PKI_ABS_EXISTS | PKI_ABS_SPEC),
	    "env:CA_PEM", "a spec: env:VAR kept");
	snprintf(want, sizeof(want), "file:%s/sub/a.pem", real);
	is_str(absolute("file:sub/a.pem", PKI_ABS_EXISTS | PKI_ABS_SPEC), want,
	    "a spec: file:PATH made absolute");
	ok(strncmp(absolute("file:sub/a.pem", PKI_ABS_EXISTS), "E:", 2) == 0,
	    "not a spec: file:... is a path");
	(void)unlink("link.pem");
	(void)unlink("sub/a.pem");
	(void)rmdir("sub");
	if (chdir(cwd) != 0 || rmdir(d) != 0)
		diag("cleanup failed");
	free(real);
}

static char	last_note[1024];

/* Counts the warnings the plan notes, and keeps the last one's text. */
static void
count_note(void *arg, const struct pki_note *n)
{
	if (n->kind == PKI_NOTE_WARNING && strstr(n->text, "needs-renewal "
	    "exits 2 for it until it is issued") != NULL)
		(*(int *)arg)++;
	snprintf(last_note, sizeof(last_note), "%s", n->text);
}

/* pki_schedule_plan_run and _cond: the command lines of the units. */
static void
test_plan(void)
{
	static const char		 desc[] = "{\"members\": [{\"name\": "
	    "\"etcd1\", \"ips\": [\"10.0.0.1\"]}], \"clients\": [{\"name\": "
	    "\"admin\"}]}";
	struct pki_schedule_flag	 fl[4];
	struct pki_schedule_renew	 rq;
	struct pki_schedule_plan	 p;
	struct pki_error		 err;
	struct pki_cluster		*cl = NULL;
	const char			*args[1] = { "a.pem" };
	char				 tmpl[] = "/tmp/t-schedule.XXXXXX";
	char				*d;
	char				 cwd[PATH_MAX], want[4 * PATH_MAX];
	char				 got[4 * PATH_MAX], *real = NULL;
	int				 warned = 0;
	FILE				*f;

	if ((d = mkdtemp(tmpl)) == NULL || (real = realpath(d, NULL)) ==
	    NULL || getcwd(cwd, sizeof(cwd)) == NULL || chdir(d) != 0 ||
	    (f = fopen("a.pem", "w")) == NULL || fclose(f) != 0) {
		diag("setup failed");
		free(real);
		return;
	}
	memset(fl, 0, sizeof(fl));
	fl[0].name = "ca";
	fl[0].kind = PKI_SCHED_ARG_SPEC;
	fl[0].value = "file:a.pem";
	fl[1].name = "metrics-file";
	fl[1].kind = PKI_SCHED_ARG_OUTPUT;
	fl[1].value = "out.prom";
	fl[2].name = "rekey";
	fl[2].kind = PKI_SCHED_ARG_BOOL;
	fl[3].name = "keep";
	fl[3].kind = PKI_SCHED_ARG_WORD;
	fl[3].value = "5";
	memset(&rq, 0, sizeof(rq));
	memset(&p, 0, sizeof(p));
	memset(&err, 0, sizeof(err));
	rq.flags = fl;
	rq.nflags = 4;
	rq.args = args;
	rq.nargs = 1;
	rq.renew_before = "20%";
	is_int(pki_schedule_plan_run(&rq, &p, &err), 0, "plan: renew's line");
	snprintf(want, sizeof(want), "renew -quiet -ca file:%s/a.pem "
	    "-metrics-file %s/out.prom -rekey -keep 5 %s/a.pem", real, real,
	    real);
	is_str(tap_join(p.run, p.nrun, " ", got, sizeof(got)), want,
	    "... its flags in order, files absolute");
	snprintf(want, sizeof(want), "%s/out.prom %s/a.pem", real, real);
	is_str(tap_join(p.rw, p.nrw, " ", got, sizeof(got)), want,
	    "... what renew writes: the output flag's file and the "
	    "certificate");
	is_int(pki_schedule_plan_cond(&rq, &p, &err), 0, "plan: the condition");
	snprintf(want, sizeof(want), "needs-renewal -renew-before 20%% "
	    "-stagger 5%% %s/a.pem", real);
	is_str(tap_join(p.cond, p.ncond, " ", got, sizeof(got)), want,
	    "... renew's timing, renew's default stagger, the same "
	    "certificate");
	pki_schedule_plan_clear(&p);
	ok(p.run == NULL && p.nrun == 0 && p.cond == NULL, "plan: cleared");

	fl[0].value = "nope.pem";
	memset(&err, 0, sizeof(err));
	is_int(pki_schedule_plan_run(&rq, &p, &err), PKI_ERR_IO, "plan: a "
	    "missing input file: an error");
	is_str(err.text, "-ca nope.pem: No such file or directory", "... "
	    "naming the flag");
	pki_schedule_plan_clear(&p);

	/* A cluster directory: every leaf, or one member's. */
	if (pki_cluster_parse(desc, strlen(desc), "desc.json", NULL, &cl,
	    &err) != 0)
		diag("cluster: %s", err.text);
	args[0] = ".";
	rq.nflags = 0;
	rq.renew_before = NULL;
	rq.stagger = "10%";
	rq.cluster = "desc.json";
	rq.cl = cl;
	rq.nt.note = count_note;
	rq.nt.arg = &warned;
	memset(&err, 0, sizeof(err));
	ok(pki_schedule_plan_run(&rq, &p, &err) == 0 &&
	    pki_schedule_plan_cond(&rq, &p, &err) == 0, "plan: a cluster");
	snprintf(want, sizeof(want), "needs-renewal -stagger 10%% "
	    "%s/etcd1/etcd1.pem %s/clients/admin/admin.pem", real, real);
	is_str(tap_join(p.cond, p.ncond, " ", got, sizeof(got)), want,
	    "... every leaf certificate of DIR");
	is_int(warned, 2, "... each not issued yet: a warning");
	pki_schedule_plan_clear(&p);

	/* A directory whose name holds a newline: each warning one line. */
	if (mkdir("ev\nil", 0700) != 0)
		diag("mkdir: %s", strerror(errno));
	args[0] = "ev\nil";
	warned = 0;
	ok(pki_schedule_plan_run(&rq, &p, &err) == 0 &&
	    pki_schedule_plan_cond(&rq, &p, &err) == 0, "plan: a cluster "
	    "directory with a newline in its name");
	is_int(warned, 2, "... the warnings");
	snprintf(want, sizeof(want), "%s/ev\\nil/clients/admin/admin.pem: No "
	    "such file or directory (needs-renewal exits 2 for it until it is "
	    "issued)", real);
	is_str(last_note, want, "... the newline escaped: one line each");
	pki_schedule_plan_clear(&p);
	(void)rmdir("ev\nil");
	args[0] = ".";
	rq.member = "nope";
	memset(&err, 0, sizeof(err));
	ok(pki_schedule_plan_run(&rq, &p, &err) == 0 &&
	    pki_schedule_plan_cond(&rq, &p, &err) == PKI_ERR_ARG, "plan: an "
	    "unknown -member: an error");
	is_str(err.text, "renew -member nope: no member or client of that "
	    "name in desc.json", "... saying so");
	pki_schedule_plan_clear(&p);
	pki_cluster_free(cl);
	(void)unlink("a.pem");
	if (chdir(cwd) != 0 || rmdir(d) != 0)
		diag("cleanup failed");
	free(real);
}

int
main(void)
{
	plan(55);
	test_names();
	test_systemd();
	test_cron();
	test_paths();
	test_plan();
	return done_testing();
}
