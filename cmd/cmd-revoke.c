/*
 * cmd-revoke.c: "etcd-pki revoke".  As cfssl revoke, -db-config FILE
 * -serial S -aki A [-reason R] marks a certificate revoked in a cfssl
 * certificate database (and writes no CRL); with -cluster DESC DIR
 * NAME|SERIAL it revokes in the cluster's inventory and publishes the
 * cluster's CRL (pki_cluster_revoke).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pki.h"
#include "cmd.h"
#include "input.h"
#include "load.h"
#include "log.h"
#include "notes.h"

/* cfssl's flags that revoke parses, as cfssl does, only to refuse. */
static const int refused[] = {
	OPT_CA, OPT_CA_KEY, OPT_CONFIG, OPT_PROFILE, OPT_HOSTNAME, OPT_CN,
	OPT_LABEL, OPT_REMOTE, OPT_CERT, OPT_CSR, OPT_KEY, OPT_CRL, OPT_END
};

static const int revoke_opts[] = {
	OPT_DB_CONFIG, OPT_SERIAL, OPT_AKI, OPT_REASON, OPT_CLUSTER,
	OPT_CA_KEY_PASSWORD, OPT_STRICT, OPT_FORMAT, OPT_LOGLEVEL,
	OPT_CA, OPT_CA_KEY, OPT_CONFIG, OPT_PROFILE, OPT_HOSTNAME, OPT_CN,
	OPT_LABEL, OPT_REMOTE, OPT_CERT, OPT_CSR, OPT_KEY, OPT_CRL, OPT_END
};

/* cfssl's revoke on a certificate database (*outcome: changed). */
static int
revoke_db(const struct opts *o, int reason, int *outcome)
{
	struct pki_parse_opts	 po;
	struct pki_inventory	*inv = NULL;
	struct pki_error	 err;
	const char		*serial = opts_str(o, OPT_SERIAL);
	const char		*aki = opts_str(o, OPT_AKI);
	const char		*dbconf = opts_str(o, OPT_DB_CONFIG);
	char			*buf = NULL, akihex[160];
	size_t			 len = 0, n = 0;
	int			 r, ret = CMD_RETURN_ERROR;

	memset(&err, 0, sizeof(err));
	if (o->set[OPT_CA_KEY_PASSWORD]) {
		log_err("-ca-key-password: only with -cluster (cfssl's revoke "
		    "signs nothing)");
		return CMD_RETURN_USAGE;
	}
	if ((r = pki_revoke_db_args(o->nargs, serial, aki, dbconf, akihex,
	    sizeof(akihex), &err)) != 0) {
		log_pki(&err, r);
		return CMD_RETURN_ERROR;
	}
	load_parse_opts(o, &po);
	if (input_read(dbconf, 0, &buf, &len, NULL) != CMD_RETURN_NORMAL)
		return CMD_RETURN_ERROR;
	if ((r = pki_inventory_open_dbconfig(buf, len, dbconf, &po,
	    PKI_INV_CFSSL, &inv, &err)) != 0 ||
	    (r = pki_inventory_revoke(inv, serial, akihex, reason, time(NULL),
	    0, &n, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	if (n == 0) {
		log_err("failed to revoke the certificate: certificate not "
		    "found (serial %s, AKI %s)", serial, akihex);
		goto out;
	}
	*outcome = PKI_RUN_CHANGED;
	ret = CMD_RETURN_NORMAL;
 out:
	pki_inventory_close(inv);
	free(buf);
	return ret;
}

/* revoke -cluster DESC DIR NAME|SERIAL, notes to out (*outcome). */
static int
revoke_cluster(const struct opts *o, int reason, struct notes *out,
    int *outcome)
{
	struct pki_crl_opts	 co;
	struct pki_cluster	*cl = NULL;
	char			*pw = NULL;
	size_t			 pwlen = 0;
	int			 ret;

	if (o->set[OPT_DB_CONFIG] || o->set[OPT_SERIAL] || o->set[OPT_AKI]) {
		log_err("-db-config, -serial and -aki are cfssl's way; with "
		    "-cluster give DIR and a NAME or SERIAL");
		return CMD_RETURN_USAGE;
	}
	if (o->nargs != 2) {
		log_err("-cluster DESC: expected DIR and a member's or "
		    "client's NAME or a SERIAL, got %d arguments", o->nargs);
		return CMD_RETURN_USAGE;
	}
	if (load_cluster(o, opts_str(o, OPT_CLUSTER), &cl) !=
	    CMD_RETURN_NORMAL)
		return CMD_RETURN_ERROR;
	if (load_password(o, &pw, &pwlen) != CMD_RETURN_NORMAL) {
		pki_cluster_free(cl);
		return CMD_RETURN_ERROR;
	}
	memset(&co, 0, sizeof(co));
	co.now = time(NULL);
	co.nt.note = notes_print;
	co.nt.arg = out;
	co.ca_key_password = pw;
	/* Revoked, or revoked already: 0, as cfssl's revoke. */
	ret = *outcome = pki_cluster_revoke(cl, o->args[0], o->args[1],
	    reason, &co);
	ret = ret <= PKI_RUN_CHANGED ? CMD_RETURN_NORMAL : ret ==
	    PKI_RUN_BUSY ? notes_exit(ret) : CMD_RETURN_ERROR;
	pki_secret_free(pw, pwlen);
	pki_cluster_free(cl);
	return ret;
}

static int
cmd_revoke_exec(struct opts *o)
{
	struct pki_error	err;
	struct notes		out;
	const char		*rn;
	size_t			i;
	int			reason, r, outcome = PKI_RUN_FAILED;

	memset(&err, 0, sizeof(err));
	for (i = 0; refused[i] != OPT_END; i++)
		if (o->set[refused[i]]) {
			log_err("-%s: not used by revoke, which only records "
			    "a revocation (cfssl accepts the flag and ignores "
			    "it)", opt_table[refused[i]].name);
			return CMD_RETURN_USAGE;
		}
	if ((r = pki_crl_reason_parse(opts_str(o, OPT_REASON), &reason,
	    &err)) != 0) {
		log_err("-reason: %s", err.text);
		return CMD_RETURN_ERROR;
	}
	if (o->set[OPT_CLUSTER] && opts_str(o, OPT_REASON) == NULL)
		reason = PKI_REASON_NONE;
	memset(&out, 0, sizeof(out));
	rn = pki_crl_reason_name(reason);
	if (notes_doc_start(&out, o, "revoke", json_pack("{s:s?,s:s?}",
	    "target", o->set[OPT_CLUSTER] ? (o->nargs == 2 ? o->args[1] :
	    NULL) : opts_str(o, OPT_SERIAL), "reason", *rn != '\0' ? rn :
	    NULL)) != CMD_RETURN_NORMAL)
		return CMD_RETURN_ERROR;
	r = o->set[OPT_CLUSTER] ? revoke_cluster(o, reason, &out, &outcome) :
	    revoke_db(o, reason, &outcome);
	return notes_doc_end(&out, outcome, r);
}

const struct cmd_entry cmd_revoke_entry = {
	"revoke",
	"revoke a certificate: in a cfssl certificate database, or in a "
	"cluster's inventory and CRL",
	"        PROG revoke -db-config FILE -serial SERIAL -aki HEX "
	"[-reason REASON]\n"
	"        PROG revoke -cluster DESC [-reason REASON] "
	"[-ca-key-password env:VAR|file:PATH] DIR NAME|SERIAL\n"
	"\n"
	"The first marks a certificate revoked in the database, as cfssl\n"
	"revoke does.  The second revokes every certificate of a member or\n"
	"client (or one serial number) in DIR/inventory.db and writes the new\n"
	"CRL to DIR/crl.der, crl.pem and each member's copies, with DIR's\n"
	"lock held.  See etcd-pki(1).",
	revoke_opts,
	cmd_revoke_exec,
	1,
	0
};
