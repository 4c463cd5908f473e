/*
 * opts.h: the single table of command-line flags and a Go "flag"-style
 * parser with per-command allow-lists.
 */
#ifndef OPTS_H
#define OPTS_H

#include <stdio.h>

enum opt_id {
	OPT_ALLOW_INVALID_ISSUER,
	OPT_ALLOW_SAN_CHANGE,
	OPT_BARE,
	OPT_CA,
	OPT_CA_BUNDLE,
	OPT_CA_KEY,
	OPT_CA_KEY_PASSWORD,
	OPT_CERT,
	OPT_CLUSTER,
	OPT_CN,
	OPT_CONFIG,
	OPT_CRITICAL,
	OPT_CRL,
	OPT_CRON,
	OPT_CRON_DIR,
	OPT_CSR,
	OPT_CSR_JSON,
	OPT_DEPLOY_HOOK,
	OPT_DNS,
	OPT_DOMAIN,
	OPT_DRY_RUN,
	OPT_EXPIRES_IN,
	OPT_EXPIRY,
	OPT_F,
	OPT_FLAVOR,
	OPT_FORCE,
	OPT_GATE_TIMEOUT,
	OPT_HORIZON,
	OPT_HOSTNAME,
	OPT_INITCA,
	OPT_INITIAL_CLUSTER,
	OPT_INSTALL,
	OPT_INT_BUNDLE,
	OPT_IPS,
	OPT_J,
	OPT_KEEP,
	OPT_KEY,
	OPT_KEY_ALGO,
	OPT_KEY_FORMAT,
	OPT_LABEL,
	OPT_LAYOUT,
	OPT_LOCK_TTL,
	OPT_LOGLEVEL,
	OPT_MAX_LAG,
	OPT_MEMBER,
	OPT_MEMBERS,
	OPT_METRICS_FILE,
	OPT_MUTUAL_TLS_CLIENT_CERT,
	OPT_MUTUAL_TLS_CLIENT_KEY,
	OPT_NAME,
	OPT_NOT_BEFORE,
	OPT_NO_SYNC,
	OPT_O,
	OPT_PASSWORD,
	OPT_POST_HOOK,
	OPT_PHASE,
	OPT_PRE_HOOK,
	OPT_PROFILE,
	OPT_QUIET,
	OPT_RECORD,
	OPT_REKEY,
	OPT_REMOTE,
	OPT_REMOTE_TIMEOUT,
	OPT_RENEWCA,
	OPT_RENEW_BEFORE,
	OPT_RESTART,
	OPT_RESTART_CMD,
	OPT_SETTLE,
	OPT_STAGGER,
	OPT_START_CMD,
	OPT_STDOUT,
	OPT_STOP_CMD,
	OPT_STRICT,
	OPT_SYSTEMD,
	OPT_TIMEOUT,
	OPT_TLS_REMOTE_CA,
	OPT_TO,
	OPT_TOKEN,
	OPT_UNIT_DIR,
	OPT_VERBOSE,
	OPT_VERSION,
	OPT_WARNING,
	OPT__COUNT,
	OPT_END = -1
};

enum opt_type {
	OPT_TYPE_BOOL,
	OPT_TYPE_STRING,
	OPT_TYPE_INT
};

struct opt_def {
	const char	*name;
	enum opt_type	 type;
	const char	*arg;		/* placeholder in usage, NULL for bools */
	const char	*help;
};

extern const struct opt_def	opt_table[OPT__COUNT];

/* Parsed command line of one command; filled by opts_parse(). */
struct opts {
	const char	*prog;		/* "etcd-pki", "cfssl", "cfssljson" */
	const char	*cmd;		/* command name */
	int		 set[OPT__COUNT];
	const char	*str[OPT__COUNT];
	int		 b[OPT__COUNT];
	long		 i[OPT__COUNT];
	char		**args;		/* positional arguments */
	int		  nargs;
	char		**argv_own;	/* args array when interspersed */
	/* cfssl flags a cfssl command does not use: ignored, with a word. */
	int		 ignored[OPT__COUNT];
};

#define OPT_PARSE_OK	0
#define OPT_PARSE_HELP	1
#define OPT_PARSE_ERROR	2

/*
 * Parses argv[0..argc) with Go's flag rules: "-f v", "-f=v", "--f v",
 * booleans "-b" or "-b=true"; parsing stops at the first non-flag argument
 * or after "--".  With interspersed (etcd-pki's own commands), flags may
 * also follow positional arguments, which are then collected into
 * o->argv_own (freed by opts_free).  Only ids in allowed are accepted,
 * except that a cfssl command (gencert, sign, ...) also takes the other
 * flags of cfssl's shared flag set, as cfssl does, and marks them in
 * o->ignored for the caller to report.  Prints errors to stderr.
 * Returns OPT_PARSE_*.
 */
int	opts_parse(struct opts *o, const int *allowed, int interspersed,
	    int argc, char **argv);
/* Frees what opts_parse allocated. */
void	opts_free(struct opts *o);
/* Prints the flag lines of the allowed flags to f. */
void	opts_usage(FILE *f, const int *allowed);
/* Returns o->str[id] if set and non-empty, else NULL. */
const char *opts_str(const struct opts *o, enum opt_id id);

#endif
