"""The pools of one database alias: the save and delete calls waiting for a flush."""

from batchops.planner import DELETE, SAVE


class AliasPools:
    """Calls recorded for one alias, in call order, with the size of each pool.

    The save pool contains the distinct objects waiting to be saved, and the delete pool
    the distinct objects waiting to be deleted. The objects are kept alive here, so their
    ``id()`` stays unique while they wait.

    The kind and the object of each call go into two parallel lists rather than one
    list of pairs. A pair per call would be a container that lives until the flush, and
    many of them make the garbage collector's full passes more frequent.
    """

    def __init__(self, config):
        self.config = config
        self.kinds = []
        self.objects = []
        self.saving = {}
        self.deleting = {}

    def __len__(self):
        return len(self.objects)

    def add_save(self, obj):
        self.kinds.append(SAVE)
        self.objects.append(obj)
        self.saving[id(obj)] = obj
        return len(self.saving) >= self.config.save_pool_size

    def add_delete(self, obj):
        self.kinds.append(DELETE)
        self.objects.append(obj)
        self.deleting[id(obj)] = obj
        return len(self.deleting) >= self.config.delete_pool_size

    def is_saving(self, obj):
        return id(obj) in self.saving

    def take(self):
        """Return the recorded kinds and objects, in call order, and empty the pools."""
        recorded = (self.kinds, self.objects)
        self.kinds = []
        self.objects = []
        self.saving = {}
        self.deleting = {}
        return recorded
