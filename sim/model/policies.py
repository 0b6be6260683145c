"""Response policies: the order waiting work is taken in, and the follow-up cadence.

Live callers on hold are always taken before written work (a ringing phone beats an
inbox). Among the asynchronous tasks (replies, call-backs, follow-up attempts) the
practice's discipline decides; each staff member compares the heads of the per-channel
to-do lists it can work, so a task is found in O(channels) without a global scan.
"""

from __future__ import annotations

import heapq
import itertools

from ..config import Discipline


def task_key_function(discipline: Discipline):
    """A function of (channel, due) giving the sort key of a task (smallest is taken first)."""
    if discipline == Discipline.newest_first:
        return lambda channel, due: (0, -due)
    if discipline == Discipline.phone_first:
        return lambda channel, due: (0 if channel == "phone" else 1, due)
    return lambda channel, due: (0, due)


class TaskLists:
    """Per-channel priority queues of inquiries with an attempt due."""

    def __init__(self, channels, discipline: Discipline):
        self.heaps = {c: [] for c in channels}
        self._key = task_key_function(discipline)
        self._seq = itertools.count()
        self.queued = 0  # entries in all heaps, closed ones not yet dropped included

    def push(self, inquiry) -> None:
        key = self._key(inquiry.channel, inquiry.due)
        heapq.heappush(self.heaps[inquiry.channel], (key, next(self._seq), inquiry))
        self.queued += 1

    def pop_best(self, channels):
        """Remove and return the best open inquiry among these channels, or None."""
        if not self.queued:  # nothing waiting anywhere (most looks at an idle practice)
            return None
        best_heap, best_key = None, None
        for c in channels:
            heap = self.heaps.get(c)
            if not heap:
                continue
            while heap and heap[0][2].outcome is not None:  # closed meanwhile: drop
                heapq.heappop(heap)
                self.queued -= 1
            if heap and (best_key is None or heap[0][0] < best_key):
                best_heap, best_key = heap, heap[0][0]
        if best_heap is None:
            return None
        self.queued -= 1
        return heapq.heappop(best_heap)[2]

