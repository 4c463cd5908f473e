/*
 * run.c: hooks and service commands as argv, without a shell.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pki.h"
#include "log.h"
#include "opts.h"
#include "run.h"

int
run_parse(struct run_cmd *rc, const char *flag, const char *text)
{
	struct pki_error	err;
	size_t			n;
	int			r;

	memset(rc, 0, sizeof(*rc));
	memset(&err, 0, sizeof(err));
	snprintf(rc->flag, sizeof(rc->flag), "%s", flag);
	rc->text = text;
	if ((r = pki_argv_split(text, &rc->argv, &n, &err)) == PKI_OK)
		return 0;
	if (r == PKI_ERR_INPUT)
		log_err("%s: \"%s\": %s", flag, text, err.text);
	else
		log_err("%s: %s", flag, err.text);
	return -1;
}

int
run_parse_opt(struct run_cmd *rc, const struct opts *o, int id)
{
	const char	*s;
	char		 flag[40];

	memset(rc, 0, sizeof(*rc));
	if (opts_str(o, (enum opt_id)id) == NULL)
		return 0;
	snprintf(flag, sizeof(flag), "-%s", opt_table[id].name);
	if (run_parse(rc, flag, opts_str(o, (enum opt_id)id)) != 0)
		return -1;
	if ((s = opts_str(o, OPT_CA_KEY)) != NULL && strncmp(s, "env:", 4) == 0)
		rc->secret[0] = s + 4;
	if ((s = opts_str(o, OPT_CA_KEY_PASSWORD)) != NULL &&
	    strncmp(s, "env:", 4) == 0)
		rc->secret[1] = s + 4;
	return 0;
}

void
run_free(struct run_cmd *rc)
{
	size_t	i;

	if (rc->argv != NULL)
		for (i = 0; rc->argv[i] != NULL; i++)
			free(rc->argv[i]);
	free(rc->argv);
	rc->argv = NULL;
}

/* waitpid with a deadline: 1 when reaped (status set), 0 on timeout. */
static int
wait_until(pid_t pid, int *status, const struct timespec *deadline)
{
	struct timespec	now, nap = { 0, 5 * 1000 * 1000 };
	pid_t		r;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 1;
		if (r == -1 && errno != EINTR)
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > deadline->tv_sec ||
		    (now.tv_sec == deadline->tv_sec &&
		    now.tv_nsec >= deadline->tv_nsec))
			return 0;
		nanosleep(&nap, NULL);
	}
}

int
run_exec(const struct run_cmd *rc, char *const *env, int timeout)
{
	struct timespec	 deadline;
	pid_t		 pid;
	int		 status = 0, fd, r;
	size_t		 i;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		log_err("%s: fork: %s", rc->flag, strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDONLY)) != -1) {
			dup2(fd, STDIN_FILENO);
			if (fd != STDIN_FILENO)
				close(fd);
		}
		/* The CA key's secrets stay here. */
		(void)unsetenv("CFSSL_CA_PK_PASSWORD");
		for (i = 0; i < 2; i++)
			if (rc->secret[i] != NULL)
				(void)unsetenv(rc->secret[i]);
		for (i = 0; env != NULL && env[i] != NULL; i++)
			if (putenv(env[i]) != 0)
				_exit(127);
		execvp(rc->argv[0], rc->argv);
		fprintf(stderr, "%s: %s: %s\n", rc->flag, rc->argv[0],
		    strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout;
	if ((r = wait_until(pid, &status, &deadline)) == 0) {
		kill(pid, SIGTERM);
		deadline.tv_sec += 5;
		if ((r = wait_until(pid, &status, &deadline)) == 0) {
			kill(pid, SIGKILL);
			r = waitpid(pid, &status, 0) == pid ? 1 : -1;
		}
		log_err("%s: \"%s\" did not finish within %d s: killed",
		    rc->flag, rc->text, timeout);
		return -1;
	}
	if (r == -1) {
		log_err("%s: waitpid: %s", rc->flag, strerror(errno));
		return -1;
	}
	if (WIFSIGNALED(status)) {
		log_err("%s: \"%s\" was killed by signal %d", rc->flag,
		    rc->text, WTERMSIG(status));
		return -1;
	}
	return WEXITSTATUS(status);
}
