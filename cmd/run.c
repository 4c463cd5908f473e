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

#include "log.h"
#include "opts.h"
#include "run.h"

/* Appends one word (buf, n bytes) to *v (n words so far). */
static int
push_word(char ***v, size_t *n, const char *buf, size_t len)
{
	char	**nv;

	if ((nv = realloc(*v, (*n + 2) * sizeof(**v))) == NULL)
		return -1;
	*v = nv;
	if ((nv[*n] = strndup(buf, len)) == NULL)
		return -1;
	nv[++*n] = NULL;
	return 0;
}

int
run_parse(struct run_cmd *rc, const char *flag, const char *text)
{
	char		*word = NULL;
	size_t		 n = 0, wl = 0;
	const char	*p = text;
	int		 inword = 0, ret = -1;
	char		 q;

	memset(rc, 0, sizeof(*rc));
	snprintf(rc->flag, sizeof(rc->flag), "%s", flag);
	rc->text = text;
	if ((word = malloc(strlen(text) + 1)) == NULL) {
		log_err("out of memory");
		return -1;
	}
	for (;;) {
		if (*p == '\0' || *p == ' ' || *p == '\t' || *p == '\n') {
			if (inword && push_word(&rc->argv, &n, word, wl) != 0) {
				log_err("out of memory");
				goto out;
			}
			inword = 0;
			wl = 0;
			if (*p == '\0')
				break;
			p++;
			continue;
		}
		inword = 1;
		if (*p == '\\') {
			if (p[1] == '\0') {
				log_err("%s: \"%s\": a backslash ends the command",
				    flag, text);
				goto out;
			}
			word[wl++] = p[1];
			p += 2;
			continue;
		}
		if (*p != '\'' && *p != '"') {
			word[wl++] = *p++;
			continue;
		}
		q = *p++;
		while (*p != q) {
			if (*p == '\0') {
				log_err("%s: \"%s\": unterminated %c quote", flag,
				    text, q);
				goto out;
			}
			if (q == '"' && *p == '\\' && (p[1] == '"' ||
			    p[1] == '\\'))
				p++;
			word[wl++] = *p++;
		}
		p++;
	}
	if (n == 0) {
		log_err("%s: the command is empty", flag);
		goto out;
	}
	ret = 0;
 out:
	free(word);
	if (ret != 0)
		run_free(rc);
	return ret;
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
