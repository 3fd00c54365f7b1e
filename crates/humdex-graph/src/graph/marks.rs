//! Per-query marks on nodes (visited, position, distance) without a hash map or a clear.
//!
//! A query over a hub's neighbourhood touches hundreds of thousands of nodes; a hash map of them
//! costs more than the walk itself. Marks are a dense array with one word per node slot, stamped
//! with a generation so that a new query starts clean without clearing it. Queries borrow them
//! from a pool, so concurrent readers never share one and a graph never allocates more than its
//! busiest moment needed.

use std::sync::Mutex;

/// A value per node slot, valid for the current generation only.
#[derive(Debug, Default)]
pub(super) struct Marks {
    slots: Vec<u64>,
    generation: u32,
}

impl Marks {
    fn reset(&mut self, nodes: usize) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.slots.iter_mut().for_each(|slot| *slot = 0);
            self.generation = 1;
        }
        if self.slots.len() < nodes {
            self.slots.resize(nodes, 0);
        }
    }

    pub(super) fn get(&self, node: u32) -> Option<u32> {
        let slot = *self.slots.get(node as usize)?;
        ((slot >> 32) as u32 == self.generation).then_some(slot as u32)
    }

    pub(super) fn set(&mut self, node: u32, value: u32) {
        if let Some(slot) = self.slots.get_mut(node as usize) {
            *slot = (u64::from(self.generation) << 32) | u64::from(value);
        }
    }
}

/// Marks lent to queries.
#[derive(Debug, Default)]
pub(super) struct MarksPool(Mutex<Vec<Marks>>);

impl MarksPool {
    /// Clean marks for `nodes` node slots, returned to the pool when dropped.
    pub(super) fn take(&self, nodes: usize) -> Lent<'_> {
        let mut marks = self.lock().pop().unwrap_or_default();
        marks.reset(nodes);
        Lent { pool: self, marks }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Marks>> {
        // A panic elsewhere cannot leave the pool inconsistent: it only holds spare marks.
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.lock().iter().map(|marks| marks.slots.capacity() * size_of::<u64>()).sum()
    }
}

/// Marks on loan from a [`MarksPool`].
pub(super) struct Lent<'pool> {
    pool: &'pool MarksPool,
    marks: Marks,
}

impl std::ops::Deref for Lent<'_> {
    type Target = Marks;

    fn deref(&self) -> &Marks {
        &self.marks
    }
}

impl std::ops::DerefMut for Lent<'_> {
    fn deref_mut(&mut self) -> &mut Marks {
        &mut self.marks
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        let marks = std::mem::take(&mut self.marks);
        self.pool.lock().push(marks);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_from_an_earlier_query_are_gone() {
        let pool = MarksPool::default();
        {
            let mut marks = pool.take(4);
            marks.set(2, 7);
            assert_eq!(marks.get(2), Some(7));
            assert_eq!(marks.get(1), None);
            assert_eq!(marks.get(9), None);
        }
        let marks = pool.take(8);
        assert_eq!(marks.get(2), None);
    }
}
