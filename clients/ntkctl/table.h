/* table.h — ntkctl's human output: a header row and aligned columns, from the same JSON rows --json prints.
 * Must not: decide what the columns are (the verbs do). */
#pragma once

#include <jansson.h>

typedef struct TableColumn {
        const char *header;
        const char *key; /* property of the row; arrays are joined with "," */
} TableColumn;

void table_print(json_t *rows, const TableColumn *cols, size_t n_cols);
