/*
 * opts.h: the single table of command-line flags, typed, and a Go
 * "flag"-style parser with per-command allow-lists.  Every value is
 * checked once, at parse time, against its flag's type (integer range,
 * duration range, percentage or duration, enumeration, time), and refused
 * in one message style per type, all "-NAME: ...":
 *	integers	-NAME: N is out of range (MIN..MAX), or with no
 *			maximum -NAME: N: must be at least MIN (not negative)
 *	durations, percentages, times
 *			-NAME: VALUE: problem (must be between A and B, ...)
 *	enumerations	-NAME: unknown NOUN "VALUE": expected A, B or C
 * with the command's usage status (2, or its own: check 3, needs-renewal
 * 255).  A syntax error of the command line itself (unknown flag, missing
 * value, an integer that is not one) is reported as Go's flag package
 * does, followed by the usage.  An empty value ("-expiry=") means the default,
 * as opts_str() has it.  Commands read typed values with the accessors
 * below (opts_int, opts_enum, opts_ns, opts_ms, opts_share, opts_time,
 * opts_renew_policy).
 */
#ifndef OPTS_H
#define OPTS_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

enum opt_id {
	OPT_AKI,
	OPT_ALLOW_INVALID_ISSUER,
	OPT_ALLOW_SAN_CHANGE,
	OPT_BARE,
	OPT_CA,
	OPT_CA_BUNDLE,
	OPT_CA_KEY,
	OPT_CA_KEY_PASSWORD,
	OPT_CERT,
	OPT_CLIENT_URLS,
	OPT_CLUSTER,
	OPT_CN,
	OPT_CONFIG,
	OPT_CRITICAL,
	OPT_CRL,
	OPT_CRON,
	OPT_CRON_DIR,
	OPT_CSR,
	OPT_CSR_JSON,
	OPT_DATA_DIR,
	OPT_DB_CONFIG,
	OPT_DEPLOY_HOOK,
	OPT_DNS,
	OPT_DOMAIN,
	OPT_DRY_RUN,
	OPT_ETCD_CACERT,
	OPT_ETCD_CERT,
	OPT_ETCD_ENDPOINTS,
	OPT_ETCD_KEY,
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
	OPT_LEARNER,
	OPT_LOCK_TTL,
	OPT_LOGLEVEL,
	OPT_MAX_LAG,
	OPT_MEMBER,
	OPT_MEMBERS,
	OPT_MODE,
	OPT_METRICS_FILE,
	OPT_MUTUAL_TLS_CLIENT_CERT,
	OPT_MUTUAL_TLS_CLIENT_KEY,
	OPT_NAME,
	OPT_NOT_BEFORE,
	OPT_NO_SYNC,
	OPT_O,
	OPT_OWNER,
	OPT_PASSWORD,
	OPT_PEER_URLS,
	OPT_POST_HOOK,
	OPT_PHASE,
	OPT_PRE_HOOK,
	OPT_PROFILE,
	OPT_QUIET,
	OPT_REASON,
	OPT_RECORD,
	OPT_REKEY,
	OPT_REMOTE,
	OPT_REMOTE_TIMEOUT,
	OPT_RENEWCA,
	OPT_RENEW_BEFORE,
	OPT_REPLACE_KEY,
	OPT_RESTART,
	OPT_RESTART_CMD,
	OPT_SERIAL,
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
	OPT_UNIT,
	OPT_UNIT_DIR,
	OPT_VERBOSE,
	OPT_VERSION,
	OPT_WARNING,
	/* Per-command variants of a flag (same name, another type). */
	OPT_O_STATUS,		/* status -o text|json|prometheus */
	OPT_O_CA_STATUS,	/* ca status -o text|json */
	OPT_FORMAT,		/* -format text|json */
	OPT_FORMAT_STATUS,	/* status -format text|json|prometheus */
	OPT_FORMAT_CERTINFO,	/* certinfo -format json */
	OPT__COUNT,
	OPT_END = -1
};

enum opt_type {
	OPT_TYPE_BOOL,
	OPT_TYPE_STRING,	/* any text */
	OPT_TYPE_INT,		/* an integer in [min, max] */
	OPT_TYPE_PATH,		/* a file or directory the command reads */
	OPT_TYPE_OUTPUT,	/* a file or directory the command writes */
	OPT_TYPE_SPEC,		/* a path, env:VAR or file:PATH (-ca) */
	OPT_TYPE_DURATION,	/* a Go duration in [min, max] ns */
	OPT_TYPE_PERCENT,	/* "N%", N in the pct range */
	OPT_TYPE_SHARE,		/* "N%" in the pct range, or a duration in
				   [min, max] ns */
	OPT_TYPE_ENUM,		/* one of choices */
	OPT_TYPE_TIME		/* an RFC 3339 UTC time or a duration from
				   now */
};

/* Bounds of a percentage: exclusive where the flag says so. */
#define OPT_PCT_MIN_EXCL	0x1
#define OPT_PCT_MAX_EXCL	0x2
#define OPT_PCT_WHOLE		0x4	/* an integer N only */

struct opt_def {
	const char		*name;
	enum opt_type		 type;
	const char		*arg;	/* placeholder in usage, NULL for bools */
	const char		*help;
	int64_t			 min;	/* INT, DURATION, SHARE (its duration) */
	int64_t			 max;	/* 0: no maximum */
	double			 pct_min, pct_max;	/* PERCENT, SHARE */
	int			 pct_flags;		/* OPT_PCT_* */
	const char *const	*choices;	/* ENUM, NULL-terminated */
	const char		*noun;		/* ENUM: "format", "layout" */
	const char		*range_why;	/* DURATION: the wording of an
						   out-of-range value, where a
						   test keeps an older one */
};

extern const struct opt_def	opt_table[OPT__COUNT];

/* Parsed command line of one command; filled by opts_parse(). */
struct opts {
	const char	*prog;		/* "etcd-pki", "cfssl", "cfssljson" */
	const char	*cmd;		/* command name */
	int		 set[OPT__COUNT];
	const char	*str[OPT__COUNT];
	int		 b[OPT__COUNT];
	long		 i[OPT__COUNT];	/* INT; ENUM: the choice's index */
	int64_t		 ns[OPT__COUNT];	/* DURATION; SHARE and TIME
						   given as a duration */
	double		 pct[OPT__COUNT];	/* PERCENT; SHARE as N% */
	int		 is_pct[OPT__COUNT];	/* SHARE given as N% */
	int		 is_time[OPT__COUNT];	/* TIME given as a time */
	time_t		 t[OPT__COUNT];		/* ... that time */
	char		**args;		/* positional arguments */
	int		  nargs;
	char		**argv_own;	/* args array when interspersed */
	/* cfssl flags a cfssl command does not use: ignored, with a word. */
	int		 ignored[OPT__COUNT];
};

#define OPT_PARSE_OK	0
#define OPT_PARSE_HELP	1
#define OPT_PARSE_ERROR	2	/* the command line: print the usage */
#define OPT_PARSE_BAD	3	/* a value, reported already */

/*
 * Parses argv[0..argc) with Go's flag rules: "-f v", "-f=v", "--f v",
 * booleans "-b" or "-b=true"; parsing stops at the first non-flag argument
 * or after "--".  With interspersed (etcd-pki's own commands), flags may
 * also follow positional arguments, which are then collected into
 * o->argv_own (freed by opts_free).  Only ids in allowed are accepted; a
 * name is looked up among them first (per-command variants), except that
 * a cfssl command (gencert, sign, ...) also takes the other flags of
 * cfssl's shared flag set, as cfssl does, and marks them in o->ignored
 * for the caller to report.  Every value is checked against its type; a
 * bad one is reported on stderr ("prog: cmd: -NAME: ...", see above) and
 * gives OPT_PARSE_BAD.  Syntax errors are printed as Go does.  Returns OPT_PARSE_*.
 */
int	opts_parse(struct opts *o, const int *allowed, int interspersed,
	    int argc, char **argv);
/* Frees what opts_parse allocated. */
void	opts_free(struct opts *o);
/* Prints the flag lines of the allowed flags of command cmd to f. */
void	opts_usage(FILE *f, const char *cmd, const int *allowed);
/* Returns o->str[id] if set and non-empty, else NULL. */
const char *opts_str(const struct opts *o, enum opt_id id);

/* ---- typed accessors: the value of a given flag, else def ------------ */

/* An INT flag. */
long	opts_int(const struct opts *o, enum opt_id id, long def);
/* An ENUM flag: the index of the choice (the table's order). */
int	opts_enum(const struct opts *o, enum opt_id id, int def);
/* A DURATION flag in nanoseconds, and in milliseconds. */
int64_t	opts_ns(const struct opts *o, enum opt_id id, int64_t def);
long	opts_ms(const struct opts *o, enum opt_id id, long def);
/*
 * A PERCENT or SHARE flag: returns 1 and fills *is_pct, *pct (N of "N%")
 * and *ns when it was given, else 0.
 */
int	opts_share(const struct opts *o, enum opt_id id, int *is_pct,
	    double *pct, int64_t *ns);
/* A TIME flag: returns 1 and sets *t (a duration is from now), else 0. */
int	opts_time(const struct opts *o, enum opt_id id, time_t now, time_t *t);
/*
 * Renew's timing policy: the defaults (pki_renew_policy_default), then
 * -renew-before and -stagger when given.
 */
struct pki_renew_policy;
void	opts_renew_policy(const struct opts *o, struct pki_renew_policy *p);

/* The choices of the ENUM flags, in the order opts_enum() counts. */
#define OPT_FORMAT_CFSSL	0	/* -key-format (= PKI_KEY_FMT_*) */
#define OPT_FORMAT_PKCS8	1
#define OPT_LAYOUT_FIXED	0	/* -layout (= PKI_LAYOUT_*) */
#define OPT_LAYOUT_GENERATIONS	1
#define OPT_RESTART_NONE	0	/* -restart */
#define OPT_RESTART_ROLLING	1
#define OPT_PHASE_ADD_TRUST	0	/* -phase */
#define OPT_PHASE_REISSUE	1
#define OPT_PHASE_DROP_OLD	2
#define OPT_OUT_TEXT		0	/* -format, status -o, ca status -o */
#define OPT_OUT_JSON		1
#define OPT_OUT_PROMETHEUS	2

#endif
