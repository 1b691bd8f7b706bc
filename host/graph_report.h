/* Describes an iteration graph: its vectors, its nodes in order with their
 * kernels and arguments, and the flops and bytes each node does per launch
 * (known from sizes, not measured): what `bloc graph` prints and what
 * `bloc bench` divides by measured times. */
#ifndef BLOC_GRAPH_REPORT_H
#define BLOC_GRAPH_REPORT_H

#include <stdio.h>

#include "graph.h"

/* Sums of the per-node cost model over one replay of a list. */
void bloc_graph_cost(const bloc_graph_t *g, bloc_list_t list, double *flops, double *bytes);

void bloc_graph_print(FILE *f, const bloc_graph_t *g);

#endif
