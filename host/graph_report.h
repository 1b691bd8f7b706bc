/* Describes an iteration graph: its vectors, its nodes in order with their
 * kernels and arguments, and the flops and bytes each node does per launch
 * (known from sizes, not measured): what `bloc graph` prints and what
 * `bloc bench` divides by measured times. */
#ifndef BLOC_GRAPH_REPORT_H
#define BLOC_GRAPH_REPORT_H

#include <stdio.h>

#include "graph.h"

/* Sums of the per-node cost model over an iteration k >= 1 of a list: a
 * node of period p counts 1 / p, a node of iteration 0 only nothing (as
 * bloc_graph_mean_launches). */
void bloc_graph_cost(const bloc_graph_t *g, bloc_list_t list, double *flops, double *bytes);

void bloc_graph_print(FILE *f, const bloc_graph_t *g);

#endif
