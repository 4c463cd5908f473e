/*
 * renewflags.c: which of renew's restart choices and commands go
 * together, and which would be unsafe (see pki.h).
 */
#include <string.h>

#include "internal.h"

/* -restart rolling or none: 1 for rolling, 0 otherwise, or an error. */
static int
check_restart(const struct pki_renew_flags *f, struct pki_error *err)
{
	if (f->restart == PKI_RESTART_ROLLING) {
		/* Without -cluster: the node's etcdctl settings. */
		if (f->layout == PKI_LAYOUT_FIXED)
			return pki_err(err, PKI_ERR_ARG, "-restart rolling "
			    "keeps the previous generation to roll back to: "
			    "it does not work with -layout fixed");
		return 1;
	}
	if (f->restart != PKI_RESTART_NONE)
		return 0;
	if (f->restart_cmd)
		return pki_err(err, PKI_ERR_ARG, "-restart none and "
		    "-restart-cmd contradict each other");
	if (f->rekey)
		return pki_err(err, PKI_ERR_ARG, "-restart none needs the key "
		    "to be kept: with -rekey a handshake could read the new "
		    "certificate with the old key; restart the member "
		    "instead");
	return 0;
}

/* The restart commands without -restart rolling. */
static int
check_commands(const struct pki_renew_flags *f, struct pki_error *err)
{
	if (f->stop_cmd && !f->rekey)
		return pki_err(err, PKI_ERR_ARG, "-stop-cmd and -start-cmd "
		    "are for -rekey (a kept key is swapped while the member "
		    "runs)");
	if (f->rekey && f->layout == PKI_LAYOUT_FIXED && !f->stop_cmd)
		return pki_err(err, PKI_ERR_ARG, "-rekey with -layout fixed "
		    "replaces the certificate and the key one after the "
		    "other: give -stop-cmd and -start-cmd so that happens "
		    "while the member is stopped");
	if (f->rekey && !f->stop_cmd && !f->restart_cmd)
		return pki_err(err, PKI_ERR_ARG, "-rekey needs -restart-cmd "
		    "(or -stop-cmd and -start-cmd): etcd reads the "
		    "certificate and the key separately, so a new key is "
		    "only safe with a restart");
	return PKI_OK;
}

int
pki_renew_flags_check(const struct pki_renew_flags *f, int *rolling,
    struct pki_error *err)
{
	int	r;

	*rolling = 0;
	if (f->replace_key && !f->rekey)
		return pki_err(err, PKI_ERR_ARG, "-replace-key needs -rekey: "
		    "the old key is replaced");
	if ((r = check_restart(f, err)) < 0)
		return r;
	if (r == 0 && f->rolling_only)
		return pki_err(err, PKI_ERR_ARG, "-gate-timeout, -settle, "
		    "-lock-ttl, -max-lag, -record and -etcd-* are for "
		    "-restart rolling");
	if (f->stop_cmd != f->start_cmd)
		return pki_err(err, PKI_ERR_ARG, "-stop-cmd and -start-cmd go "
		    "together");
	if (r == 1) {
		/* The commands are the rolling session's. */
		*rolling = 1;
		return PKI_OK;
	}
	return check_commands(f, err);
}
