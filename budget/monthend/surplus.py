"""The contract's surplus/risk share: how an underspend or overspend is split between council and trust."""

from __future__ import annotations

from decimal import Decimal

from budget.monthend.report import SurplusShare
from ledgers.readers.money import share_pence, words
from ledgers.store.workspace import Settings


def surplus_share(
    settings: Settings,
    net_position_p: int,
    funded_lines: list[tuple[str, str, int]] | None = None,
    contract_value_p: int | None = None,
) -> SurplusShare:
    """Split the net outturn position (positive = underspend) under the contract settings.

    Underspend: the first ``retained_in_full`` is kept by the trust, the council receives
    ``surplus_share_to_council`` of the rest. Overspend: the council bears ``overspend_share_to_council``
    of it (its share is then negative: money the council pays). Final contract sum = contract value − the
    council's share (less when money is returned, more when the council bears an overspend).
    ``contract_value_p``: the revised contract sum (the contract line's forecast); the setting when None.
    """
    contract = settings.contract_value_p if contract_value_p is None else contract_value_p
    bands: list[tuple[str, int]] = []
    if net_position_p >= 0:
        band = min(net_position_p, settings.retained_in_full_p)
        shared = net_position_p - band
        council = share_pence(shared, settings.surplus_share_to_council)
        if settings.retained_in_full_p:
            bands.append((f"first {words(settings.retained_in_full_p)} of an underspend retained in full", 0))
            bands.append(
                (
                    f"{_pct(settings.surplus_share_to_council)} of the underspend above it to the council",
                    council,
                )
            )
    else:
        council = -share_pence(-net_position_p, settings.overspend_share_to_council)
    return SurplusShare(
        contract_value_p=contract,
        net_position_p=net_position_p,
        council_share_p=council,
        retained_share_p=net_position_p - council,
        final_contract_sum_p=contract - council,
        surplus_share_to_council=str(settings.surplus_share_to_council),
        overspend_share_to_council=str(settings.overspend_share_to_council),
        bands=bands,
        funded_lines=list(funded_lines or []),
    )


def _pct(d: Decimal) -> str:
    return f"{(d * 100).normalize():f}%"
