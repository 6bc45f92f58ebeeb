"""Log levels of the libraries under a faust worker."""

import logging

from schemas.log_format import LIBRARY_LOGGERS, library_level


def pin_library_levels(level: str) -> None:
    """Hold the libraries' loggers at their level for `level` (see `library_level`).

    mode's worker leaves the root logger at DEBUG whatever level it is given, so each
    of faust's debug calls (one per record sent) would build a LogRecord for nothing.
    """
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(library_level(level))
