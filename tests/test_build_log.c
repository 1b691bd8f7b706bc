/* host/build_log.h: positions of a build log in the concatenated program
 * text (NVIDIA's `<kernel>:LINE:COL:`, as a compiler that ignores #line
 * reports them) mapped back to source files and lines. The table is the
 * one bloc_runtime_build makes for kernels/common.cl (56 lines) and a
 * 3-line kernels/vec.cl:
 *   1 empty, 2 #line, 3..58 common.cl, 59 empty, 60 #line, 61..63 vec.cl. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "build_log.h"

static const bloc_log_source_t table[] = {
    {"kernels/common.cl", 3, 56},
    {"kernels/vec.cl", 61, 3},
};

static void check_map(const char *log, const char *want)
{
    char *got = bloc_build_log_map(log, table, 2);
    cr_assert_not_null(got);
    cr_assert_str_eq(got, want);
    free(got);
}

Test(build_log, first_source)
{
    check_map("<kernel>:3:1: error: a\n", "kernels/common.cl:1:1: error: a\n");
    check_map("<kernel>:20:7: warning: b\n", "kernels/common.cl:18:7: warning: b\n");
    check_map("<kernel>:58:2: error: c\n", "kernels/common.cl:56:2: error: c\n");
}

Test(build_log, second_source)
{
    check_map("<kernel>:62:10: error: use of undeclared identifier 'undefined_name'\n"
              "  x[0] = undefined_name;\n"
              "         ^\n",
              "kernels/vec.cl:2:10: error: use of undeclared identifier 'undefined_name'\n"
              "  x[0] = undefined_name;\n"
              "         ^\n");
    check_map("<kernel>:61:1: note: here", "kernels/vec.cl:1:1: note: here");
    check_map("<source>:63: error: d", "kernels/vec.cl:3: error: d");
}

/* Every position of a log, each mapped on its own. */
Test(build_log, several_positions)
{
    check_map("<kernel>:62:10: error: e\n<kernel>:12:3: note: declared here\n1 error generated.\n",
              "kernels/vec.cl:2:10: error: e\nkernels/common.cl:10:3: note: declared here\n1 error generated.\n");
}

/* The #line directives and the empty lines before them belong to no
 * source: left as they are, like lines before the first source. */
Test(build_log, directive_lines_untouched)
{
    check_map("<kernel>:1:1: error: f\n", "<kernel>:1:1: error: f\n");
    check_map("<kernel>:2:1: error: g\n", "<kernel>:2:1: error: g\n");
    check_map("<kernel>:59:1: error: h\n", "<kernel>:59:1: error: h\n");
    check_map("<kernel>:60:1: error: i\n", "<kernel>:60:1: error: i\n");
}

Test(build_log, beyond_the_end_untouched)
{
    check_map("<kernel>:64:1: error: j\n", "<kernel>:64:1: error: j\n");
    check_map("<kernel>:100000:1: error: k\n", "<kernel>:100000:1: error: k\n");
    check_map("<kernel>:0:1: error: l\n", "<kernel>:0:1: error: l\n");
}

/* PoCL honours #line: its positions already name the file. */
Test(build_log, pocl_form_unchanged)
{
    const char *log = "kernels/vec.cl:2:10: error: use of undeclared identifier 'undefined_name'\n"
                      "  x[0] = undefined_name;\n"
                      "         ^\n"
                      "1 error generated.\n";
    check_map(log, log);
    check_map("In file included from <built-in>:62:\n", "In file included from <built-in>:62:\n");
}

/* Near misses of `<word>:LINE:` are not positions. */
Test(build_log, not_positions)
{
    check_map("<kernel>:62", "<kernel>:62");
    check_map("<kernel>:62 x", "<kernel>:62 x");
    check_map("<kernel>::62:", "<kernel>::62:");
    check_map("<>:62:", "<>:62:");
    check_map("<kernel>62:", "<kernel>62:");
    check_map("<kernel>:6200000000000000000000:1:", "<kernel>:6200000000000000000000:1:");
    check_map("<<kernel>:62:1:", "<kernels/vec.cl:2:1:");
    check_map("", "");
}

Test(build_log, empty_table)
{
    char *got = bloc_build_log_map("<kernel>:62:10: error: m", NULL, 0);
    cr_assert_str_eq(got, "<kernel>:62:10: error: m");
    free(got);
}

Test(build_log, text_lines)
{
    cr_assert_eq(bloc_text_newlines(""), 0);
    cr_assert_eq(bloc_text_lines(""), 0);
    cr_assert_eq(bloc_text_newlines("a\nb\n"), 2);
    cr_assert_eq(bloc_text_lines("a\nb\n"), 2);
    cr_assert_eq(bloc_text_newlines("a\nb"), 1);
    cr_assert_eq(bloc_text_lines("a\nb"), 2); /* the next string's leading '\n' ends "b" */
    cr_assert_eq(bloc_text_newlines("\n#line 1 \"kernels/vec.cl\"\n"), 2);
}
