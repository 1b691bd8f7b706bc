/* Build-log positions mapped back to source files. The runtime passes the
 * program as one concatenation, each source after a `#line 1 "name"`
 * directive. Compilers that honour #line (PoCL) report `name:LINE:`;
 * compilers that ignore it (NVIDIA) report `<kernel>:LINE:` with LINE
 * counted in the concatenation. This module rewrites the latter. */
#ifndef BLOC_BUILD_LOG_H
#define BLOC_BUILD_LOG_H

typedef struct {
    const char *name; /* e.g. "kernels/vec.cl" */
    long first;       /* line of the concatenation holding its line 1 */
    long count;       /* its number of lines (bloc_text_lines) */
} bloc_log_source_t;

/* Number of '\n' in text: how far a string moves the line count of a
 * concatenation. */
long bloc_text_newlines(const char *text);

/* Lines text occupies: its newlines, plus one for a last line without
 * '\n' (the next string's leading newline ends that line). */
long bloc_text_lines(const char *text);

/* Copy of log (malloc'd; NULL when out of memory) with every position
 * `<word>:LINE:` (word of letters, digits and '_', as in `<kernel>:62:10:`
 * or `<source>:62:`) whose LINE lies inside a source of the table
 * rewritten to `name:line:`, line counted in that source. Positions on
 * no source's line pass through unchanged: the #line directives and the
 * empty lines before them, lines before the first source or after the
 * last, and positions that already name a file (`kernels/vec.cl:2:`) or
 * a non-word (`<built-in>:1:`). */
char *bloc_build_log_map(const char *log, const bloc_log_source_t *srcs, int nsrcs);

#endif
