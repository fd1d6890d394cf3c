/* table.c — aligned columns with a header; values rendered from JSON scalars and arrays.
 * Must not: colour anything unless stdout is a terminal and NO_COLOR is unset (no colour is used yet). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

static char *cell(json_t *v)
{
        if (!v || json_is_null(v))
                return strdup("-");
        if (json_is_string(v))
                return strdup(json_string_value(v)[0] ? json_string_value(v) : "-");
        if (json_is_boolean(v))
                return strdup(json_is_true(v) ? "yes" : "no");
        if (json_is_integer(v)) {
                char b[32];
                snprintf(b, sizeof b, "%lld", (long long) json_integer_value(v));
                return strdup(b);
        }
        if (json_is_array(v)) {
                size_t i, len = 1;
                json_t *x;
                char *out = calloc(1, 1);
                json_array_foreach(v, i, x) {
                        char *c = cell(x);
                        len += strlen(c) + 1;
                        out = realloc(out, len);
                        if (i > 0)
                                strcat(out, json_is_array(x) ? ";" : " ");
                        strcat(out, c);
                        free(c);
                }
                return out;
        }
        return strdup("?");
}

void table_print(json_t *rows, const TableColumn *cols, size_t n_cols)
{
        size_t n = json_array_size(rows), width[16] = { 0 };
        char ***cells = calloc(n ? n : 1, sizeof(char **));

        for (size_t c = 0; c < n_cols && c < 16; c++)
                width[c] = strlen(cols[c].header);
        for (size_t i = 0; i < n; i++) {
                cells[i] = calloc(n_cols, sizeof(char *));
                for (size_t c = 0; c < n_cols && c < 16; c++) {
                        cells[i][c] = cell(json_object_get(json_array_get(rows, i), cols[c].key));
                        if (strlen(cells[i][c]) > width[c])
                                width[c] = strlen(cells[i][c]);
                }
        }
        for (size_t c = 0; c < n_cols && c < 16; c++)
                printf("%-*s%s", c + 1 < n_cols ? (int) width[c] : 0, cols[c].header, c + 1 < n_cols ? "  " : "\n");
        for (size_t i = 0; i < n; i++) {
                for (size_t c = 0; c < n_cols && c < 16; c++) {
                        printf("%-*s%s", c + 1 < n_cols ? (int) width[c] : 0, cells[i][c], c + 1 < n_cols ? "  " : "\n");
                        free(cells[i][c]);
                }
                free(cells[i]);
        }
        free(cells);
}
