/*
 * cmd-needs-renewal.c: "etcd-pki needs-renewal", step certificate
 * needs-renewal's contract for systemd ExecCondition and scripts: exit 0
 * when a certificate needs renewal (or has expired), 1 when not yet, 2
 * when the file is missing, 255 on any other error.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pki.h"
#include "cmd.h"
#include "input.h"
#include "log.h"

static const int needs_renewal_opts[] = {
	OPT_EXPIRES_IN, OPT_RENEW_BEFORE, OPT_STAGGER, OPT_VERBOSE,
	OPT_LOGLEVEL, OPT_END
};

#define NR_DUE		0
#define NR_NOT_DUE	1
#define NR_MISSING	2
#define NR_ERROR	255

#define TLS_TIMEOUT_MS	10000

struct nr_args {
	struct pki_due_rule	 rule;
	int			 verbose;
	time_t			 now;
};

/* A CRL file (a cluster's crl.der): renew's NAME for it is "crl". */
static int
crl_dates(const char *buf, size_t len, const char *target,
    struct pki_cert_facts *f, char **name)
{
	int64_t	nb, na;

	if (pki_crl_validity(buf, len, target, &nb, &na, NULL) != PKI_OK ||
	    (*name = strdup("crl")) == NULL)
		return -1;
	f->not_before = nb;
	f->not_after = na;
	return 0;
}

/* Checks one target; returns NR_*. */
static int
check_target(const struct nr_args *a, const char *target)
{
	struct pki_error	 err;
	struct pki_cert_facts	 f;
	struct pki_cert		*cert = NULL;
	struct pki_url		 u;
	struct pki_due		 due;
	char			*name = NULL, d1[32];
	char			 why[160], *buf = NULL;
	size_t			 len = 0;
	int			 r, ret = NR_ERROR;

	memset(&err, 0, sizeof(err));
	memset(&f, 0, sizeof(f));
	if (strncmp(target, "https://", 8) == 0) {
		if (pki_url_parse(target, PKI_URL_LAX, &u, &err) != 0) {
			log_err("%s: expected https://HOST:PORT (%s)", target,
			    err.text);
			return NR_ERROR;
		}
		if ((r = pki_tls_peer_cert(u.host, u.port, NULL,
		    TLS_TIMEOUT_MS, &cert, &err)) != 0) {
			log_pki(&err, r);
			return NR_ERROR;
		}
	} else {
		if (input_read(target, 0, &buf, &len, NULL) !=
		    CMD_RETURN_NORMAL)
			return errno == ENOENT ? NR_MISSING : NR_ERROR;
		r = pki_cert_load(buf, len, target, &cert, &err);
		/* Not a certificate: a CRL renew renews? */
		if (r != 0 && crl_dates(buf, len, target, &f, &name) == 0) {
			free(buf);
			goto judge;
		}
		free(buf);
		if (r != 0) {
			log_pki(&err, r);
			return NR_ERROR;
		}
	}
	if ((r = pki_cert_facts(cert, &f, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	/* renew's NAME: the file's; for a server, its certificate's CN. */
	if (strncmp(target, "https://", 8) == 0)
		name = strdup(*f.subject_cn != '\0' ? f.subject_cn : u.host);
	else
		name = pki_cert_path_name(target);
	if (name == NULL) {
		log_err("out of memory");
		goto out;
	}
 judge:
	if ((r = pki_due_eval(&a->rule, f.not_before, f.not_after, name,
	    a->now, &due, &err)) != 0) {
		log_err("%s: %s", target, err.text);
		goto out;
	}
	ret = due.due ? NR_DUE : NR_NOT_DUE;
	if (a->verbose) {
		if (due.expired) {
			pki_time_format(f.not_after, d1, sizeof(d1));
			snprintf(why, sizeof(why), "expired %s", d1);
		} else {
			pki_time_format(due.at, d1, sizeof(d1));
			snprintf(why, sizeof(why), "%d%% of the lifetime used "
			    "(renew at %s)", due.used >= 0 ? (int)due.used : 0,
			    d1);
		}
		printf("%s: %s: %s\n", target, due.due ? "due" : "not due",
		    why);
	}
 out:
	free(name);
	pki_cert_facts_clear(&f);
	pki_cert_free(cert);
	return ret;
}

static int
cmd_needs_renewal_exec(struct opts *o)
{
	struct nr_args		a;
	double			pct;
	int64_t			ns;
	int			i, r, is_pct, any_err = 0, any_missing = 0;
	int			any_due = 0;

	memset(&a, 0, sizeof(a));
	a.now = time(NULL);
	a.verbose = o->b[OPT_VERBOSE];
	a.rule.kind = PKI_DUE_USED;
	a.rule.percent = 66;
	opts_renew_policy(o, &a.rule.policy);
	if (opts_share(o, OPT_EXPIRES_IN, &is_pct, &pct, &ns)) {
		if (opts_str(o, OPT_RENEW_BEFORE) != NULL ||
		    opts_str(o, OPT_STAGGER) != NULL) {
			log_err("-expires-in cannot be combined with "
			    "-renew-before or -stagger");
			return NR_ERROR;
		}
		if (is_pct)
			a.rule.percent = (long)pct;
		else {
			a.rule.kind = PKI_DUE_LEFT;
			a.rule.left = ns / 1000000000;
		}
	}
	if (opts_str(o, OPT_RENEW_BEFORE) != NULL ||
	    opts_str(o, OPT_STAGGER) != NULL)
		a.rule.kind = PKI_DUE_RENEW;
	if (o->nargs < 1) {
		log_err("no certificate or https://HOST:PORT given");
		return NR_ERROR;
	}
	/* A server closing on us must be an error, not SIGPIPE. */
	(void)signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < o->nargs; i++) {
		r = check_target(&a, o->args[i]);
		if (r == NR_ERROR)
			any_err = 1;
		else if (r == NR_MISSING)
			any_missing = 1;
		else if (r == NR_DUE)
			any_due = 1;
	}
	if (any_err)
		return NR_ERROR;
	if (any_missing)
		return NR_MISSING;
	return any_due ? NR_DUE : NR_NOT_DUE;
}

const struct cmd_entry cmd_needs_renewal_entry = {
	"needs-renewal",
	"exit 0 when a certificate is due for renewal (systemd ExecCondition)",
	"        PROG needs-renewal [-expires-in N%|DURATION] [-verbose]\n"
	"            CERT|https://HOST:PORT...\n"
	"        PROG needs-renewal -renew-before P|DURATION [-stagger P]\n"
	"            [-verbose] CERT|https://HOST:PORT...\n"
	"\n"
	"Exits 0 when a certificate needs renewal or has expired, 1 when not\n"
	"yet, 2 when a file is missing, 255 on any other error.  By default\n"
	"a certificate is due once 66% of its lifetime is used (-expires-in\n"
	"N% is the share USED, as step's; -renew-before N% is the share LEFT,\n"
	"as renew's, whose arithmetic it then applies).  A CRL file (a\n"
	"cluster's crl.der) is judged the same way over thisUpdate to\n"
	"nextUpdate.",
	needs_renewal_opts,
	cmd_needs_renewal_exec,
	1,
	255
};
