"""Bills of materials: products made in-house that are components of other products.

Design (the simplest honest one, chosen over pegging): an operation of a parent product names a component
the same way it names a bought-in material, `MaterialUse(material_id=<component product id>, quantity_per_unit)`.
The component's orders are given by the client, like any order (an ERP's work orders for the sub-assembly);
the planner does not derive them. Every order of the component product puts its quantity (good units) into the
component's stock when it completes, and the parent's consuming operation takes from that stock at its start
(`planner.scheduling.rules.materials`: one reservoir per component, filled at the component orders' completion
times). So the parent operation cannot start before enough component orders have completed: a precedence
graph across orders, not only a linear routing, without the client having to pair each parent with its
component orders. The component stock starts empty (on-hand components are a `Material` of another id).

What is checked here: a `MaterialUse` names a material or a product of the factory (unknown ids are rejected),
a product does not consume itself, and the bill of materials has no cycle (P needs Q needs P). The solver,
the dispatching start, the checker, KPIs and explanations treat components as materials.
"""

from __future__ import annotations

from planner.domain import Factory


def component_graph(factory: Factory) -> dict[str, set[str]]:
    """Product id -> the products made in-house that it consumes (its direct components)."""
    products = {p.id for p in factory.products}
    return {product.id: {use.material_id for op in product.routing for use in op.materials
                         if use.material_id in products}
            for product in factory.products}


def bom_cycle(factory: Factory) -> list[str] | None:
    """A cycle of the bill of materials as product ids (first repeated at the end), None when there is none."""
    graph = component_graph(factory)
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(product_id: str) -> list[str] | None:
        state[product_id] = 1
        path.append(product_id)
        for component in sorted(graph.get(product_id, ())):
            if state.get(component) == 1:
                return [*path[path.index(component):], component]
            if component not in state and (cycle := visit(component)) is not None:
                return cycle
        path.pop()
        state[product_id] = 2
        return None

    for product_id in sorted(graph):
        if product_id not in state and (cycle := visit(product_id)) is not None:
            return cycle
    return None


def bom_violations(factory: Factory) -> list[tuple[str, str]]:
    """(field path, reason) for a material use naming neither a material nor a product, and for a cycle."""
    known = {m.id for m in factory.materials} | {p.id for p in factory.products}
    found = []
    for p_index, product in enumerate(factory.products):
        for o_index, operation in enumerate(product.routing):
            for u_index, use in enumerate(operation.materials):
                path = f"factory.products[{p_index}].routing[{o_index}].materials[{u_index}].material_id"
                if use.material_id not in known:
                    found.append((path, f"unknown material or component '{use.material_id}'"))
                elif use.material_id == product.id:
                    found.append((path, f"product '{product.id}' cannot consume itself"))
    cycle = bom_cycle(factory)
    if cycle is not None and len(cycle) > 2:  # a product consuming itself is reported above
        index = next(i for i, p in enumerate(factory.products) if p.id == cycle[0])
        found.append((f"factory.products[{index}]", "the bill of materials has a cycle: " + " -> ".join(cycle)))
    return found
