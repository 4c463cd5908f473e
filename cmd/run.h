/*
 * run.h: the commands renew, rollback, ca rotate and schedule -install
 * run (hooks, restart, stop and start, systemctl): split into an argv
 * without a shell, executed with a time limit.
 */
#ifndef RUN_H
#define RUN_H

/* A command given as one flag value, split into words. */
struct run_cmd {
	char		 flag[40];	/* "-deploy-hook", for messages */
	const char	*text;		/* as given */
	char		**argv;		/* NULL-terminated */
	const char	*secret[2];	/* -ca-key, -ca-key-password env:VAR's
					   VAR: not passed on (nor
					   CFSSL_CA_PK_PASSWORD) */
};

/*
 * Splits text into words as pki_argv_split does (no shell, nothing
 * expanded).  Returns 0, or -1 after printing the problem (empty
 * command, unterminated quote).
 */
int	run_parse(struct run_cmd *rc, const char *flag, const char *text);
/*
 * The same for flag id of o ("-NAME" in messages) when it was given a
 * value; 0 and rc cleared when not.
 */
struct opts;
int	run_parse_opt(struct run_cmd *rc, const struct opts *o, int id);
void	run_free(struct run_cmd *rc);

/*
 * Runs rc (execvp of argv[0]) with the extra "NAME=value" environment
 * entries env (NULL-terminated, may be NULL), standard input from
 * /dev/null, waiting at most timeout seconds (then SIGTERM, and SIGKILL
 * 5 s later).  Returns the exit status (0..255), or -1 after printing
 * why it did not run or did not finish.
 */
int	run_exec(const struct run_cmd *rc, char *const *env, int timeout);

#endif
