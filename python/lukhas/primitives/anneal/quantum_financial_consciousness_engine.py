"""The LUKHAS module of the rebalancing portfolio engine.

LUKHAS imports it as ``core.quantum_financial.quantum_financial_consciousness_engine``;
:class:`QuantumFinancialConsciousnessEngine` is defined in
:mod:`lukhas.primitives.anneal._engine`, which describes the algorithm.

Examples
--------
>>> from lukhas.primitives.anneal import quantum_financial_consciousness_engine as m
>>> m.QuantumFinancialConsciousnessEngine(2).k
2
"""

from __future__ import annotations

from lukhas.primitives.anneal._engine import (
    QuantumFinancialConsciousnessEngine,
    RebalanceDecision,
    selection_energy,
)

__all__ = ["QuantumFinancialConsciousnessEngine", "RebalanceDecision", "selection_energy"]
