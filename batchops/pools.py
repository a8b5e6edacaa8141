"""The pools of one database alias: the save and delete calls waiting for a flush."""

from batchops.planner import DELETE, SAVE


class AliasPools:
    """Calls recorded for one alias, in call order, with the size of each pool.

    The save pool contains the distinct objects waiting to be saved, and the delete pool
    the distinct objects waiting to be deleted. The objects are kept alive here, so their
    ``id()`` stays unique while they wait.
    """

    def __init__(self, config):
        self.config = config
        self.entries = []
        self.saving = {}
        self.deleting = {}

    def __len__(self):
        return len(self.entries)

    def add_save(self, obj):
        self.entries.append((SAVE, obj))
        self.saving[id(obj)] = obj
        return len(self.saving) >= self.config.save_pool_size

    def add_delete(self, obj):
        self.entries.append((DELETE, obj))
        self.deleting[id(obj)] = obj
        return len(self.deleting) >= self.config.delete_pool_size

    def is_saving(self, obj):
        return id(obj) in self.saving

    def take(self):
        """Return the recorded entries and empty the pools."""
        entries = self.entries
        self.entries = []
        self.saving = {}
        self.deleting = {}
        return entries
