/*
 * help.h: the text of a flag in "CMD -h" as it applies to CMD, for the
 * usage (cmd/opts.c) and the completion scripts (completion.c).  It lives
 * outside cmd/ with the per-command texts it holds, which are data.
 */
#ifndef HELP_H
#define HELP_H

#include <stddef.h>

/*
 * Returns the help text of flag id (an OPT_* of opt_table) for command cmd
 * ("gencert", "cluster issue"): a text of the table in flaghelp.c written
 * for cmd, or else opt_table's text, of which the clause naming cmd is
 * kept ("renew: X; rollback: Y" gives Y for rollback), without the
 * command's name ("renew -rekey: X" gives "with -rekey: X" for renew).
 * The result is a static string or buf (size bytes).
 */
const char	*help_flag(const char *cmd, int id, char *buf, size_t size);

#endif /* HELP_H */
