/*
 * cmd.h: the command table and what every command implementation shares.
 */
#ifndef CMD_H
#define CMD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "opts.h"

#define CMD_RETURN_NORMAL	0
#define CMD_RETURN_ERROR	1
#define CMD_RETURN_USAGE	2

struct cmd_entry {
	const char	*name;
	const char	*summary;	/* one line for the command list */
	const char	*usage;		/* synopsis lines, "\n"-separated */
	const int	*opts;		/* allowed OPT_* ids, OPT_END-terminated */
	int		(*exec)(struct opts *);
	int		 interspersed;	/* flags may follow arguments */
	int		 usage_status;	/* exit status of a usage error (0:
					   CMD_RETURN_USAGE) */
};

extern const struct cmd_entry	cmd_gencert_entry;
extern const struct cmd_entry	cmd_genkey_entry;
extern const struct cmd_entry	cmd_gencsr_entry;
extern const struct cmd_entry	cmd_sign_entry;
extern const struct cmd_entry	cmd_selfsign_entry;
extern const struct cmd_entry	cmd_certinfo_entry;
extern const struct cmd_entry	cmd_bundle_entry;
extern const struct cmd_entry	cmd_info_entry;
extern const struct cmd_entry	cmd_print_defaults_entry;
extern const struct cmd_entry	cmd_version_entry;
extern const struct cmd_entry	cmd_json_entry;
extern const struct cmd_entry	cmd_cluster_entry;
extern const struct cmd_entry	cmd_cluster_init_entry;
extern const struct cmd_entry	cmd_cluster_issue_entry;
extern const struct cmd_entry	cmd_cluster_verify_entry;
extern const struct cmd_entry	cmd_cluster_export_entry;
extern const struct cmd_entry	cmd_cluster_inventory_entry;
extern const struct cmd_entry	cmd_gencrl_entry;
extern const struct cmd_entry	cmd_revoke_entry;
extern const struct cmd_entry	cmd_renew_entry;
extern const struct cmd_entry	cmd_rollback_entry;
extern const struct cmd_entry	cmd_status_entry;
extern const struct cmd_entry	cmd_needs_renewal_entry;
extern const struct cmd_entry	cmd_check_entry;
extern const struct cmd_entry	cmd_schedule_entry;
extern const struct cmd_entry	cmd_ca_entry;
extern const struct cmd_entry	cmd_ca_renew_entry;
extern const struct cmd_entry	cmd_ca_rotate_entry;
extern const struct cmd_entry	cmd_ca_status_entry;
extern const struct cmd_entry	cmd_completion_entry;	/* help/ */

extern const struct cmd_entry	*const cmd_table[];

/* Finds a command by exact name; NULL if none. */
const struct cmd_entry	*cmd_find(const char *name);
/* Prints the list of commands to f. */
void			 cmd_list(FILE *f, const char *prog);
/* Prints a command's synopsis and flags to f. */
void			 cmd_usage(FILE *f, const struct cmd_entry *ce,
			    const char *prog);
/*
 * Parses argv (after the command name) for ce and runs it; returns the
 * process exit status.
 */
int			 cmd_run(const struct cmd_entry *ce, int argc,
			    char **argv);

/*
 * A command made of subcommands ("cluster", "ca"): its name, its
 * subcommands (entries named "NAME SUB", NULL-terminated) and what its
 * list points to for more.
 */
struct cmd_group {
	const char			*name;
	const struct cmd_entry *const	*table;
	const char			*see;
};
/*
 * The one subcommand dispatcher: runs subcommand o->args[0] of g with the
 * remaining arguments ("help" lists them).  Returns the exit status.
 */
int			 cmd_dispatch(struct opts *o, const struct cmd_group *g);
extern const struct cmd_group	cmd_cluster_group, cmd_ca_group;
/* The commands of cmd_table that are groups, NULL-terminated. */
extern const struct cmd_group	*const cmd_groups[];
struct cmd_alias {	/* a program name that is one command (cfssljson) */
	const char		*prog;
	const struct cmd_entry	*entry;
};
extern const struct cmd_alias	 cmd_aliases[];	/* ends with prog NULL */


/* ---- shared by the commands that issue (issue.c) -------------------- */

struct pki_cert;
struct pki_csr;
struct pki_key;
struct pki_remote;
struct pki_req;

/*
 * gencert/genkey -initca: a new CA (or, with -ca-key, a CA certificate for
 * an existing key) from csr, through pki_ca_issue().  Prints the results;
 * returns CMD_RETURN_*.
 */
int	cmd_initca(const struct opts *o, struct pki_csr *csr, int log_intro);
/*
 * gencert -renewca and ca renew: ca re-signed with its own key (which the
 * caller has checked matches), same subject and extensions, a new serial,
 * valid for expiry ns (-expiry) or, when expiry <= 0, for ca's own
 * validity length, under the strictness policy po (may be NULL: a
 * validity under 10 times the backdate cuts it, with po's warning naming
 * -expiry or "SOURCE: validity").  source names ca in messages.  On
 * success *out is the caller's.  Returns CMD_RETURN_*.
 */
int	cmd_renewca_sign(const struct pki_cert *ca, const struct pki_key *key,
	    const char *source, int64_t expiry,
	    const struct pki_parse_opts *po, struct pki_cert **out);
/*
 * cfssl's "generate received request", "received CSR" and "generating
 * key: ALGO-SIZE" lines, then a new key as csr asks into *key (the
 * caller's).  Returns CMD_RETURN_*.
 */
int	cmd_new_key(const struct pki_csr *csr, struct pki_key **key);
/*
 * Generates a key and a CSR for csr with cfssl's log lines; on success
 * fills *key, *req and the PEM buffers (key PEM in -key-format, freed by
 * the caller with pki_secret_free).  Returns CMD_RETURN_*.
 */
int	cmd_genkey_req(const struct opts *o, const struct pki_csr *csr,
	    struct pki_key **key, struct pki_req **req, char **keypem,
	    size_t *keylen, char **csrpem, size_t *csrlen);
/* Logs "signed certificate with serial number N". */
void	cmd_log_serial(const struct pki_cert *cert);
/*
 * Signs csrpem at the remote CA r with -profile and -label and the given
 * hosts, logs the serial; *certpem is the caller's.  Returns CMD_RETURN_*.
 */
int	cmd_remote_sign(const struct opts *o, const struct pki_remote *r,
	    const char *csrpem, const char *const *hosts, size_t nhosts,
	    char **certpem, size_t *certlen);

#endif /* CMD_H */
