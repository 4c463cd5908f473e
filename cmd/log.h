/*
 * log.h: cfssl-format log lines and one-line errors on stderr.
 */
#ifndef LOG_H
#define LOG_H

struct pki_error;

#define LOG_DEBUG	0
#define LOG_INFO	1
#define LOG_WARNING	2
#define LOG_ERROR	3
#define LOG_CRITICAL	4
#define LOG_FATAL	5

/* Sets the program and command names used in error lines, and the level. */
void	log_init(const char *prog, const char *cmd, int level);
/* "YYYY/MM/DD HH:MM:SS [LEVEL] message" on stderr if level >= the set one. */
void	log_msg(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* "prog: cmd: message" on stderr. */
void	log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: cmd: err->text" on stderr (or the code's text if empty). */
void	log_pki(const struct pki_error *err, int code);
/* Warning sink for struct pki_parse_opts. */
void	log_parse_warning(void *arg, const char *text);

#endif
