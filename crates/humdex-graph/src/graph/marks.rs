//! Per-query marks on nodes (visited, position, distance) without a hash map.
//!
//! A query over a hub's neighbourhood touches hundreds of thousands of nodes; a hash map of them
//! costs more than the walk itself. Marks are a dense array with one value per node slot, and a
//! bit per slot saying which values are set: most lookups while scanning neighbours are misses,
//! answered by the bits (an eighth of a megabyte per million nodes, so they stay in cache).
//! Queries borrow marks from a pool, so concurrent readers never share them and a graph never
//! allocates more than its busiest moment needed; a loan clears only the bits it set.

use std::sync::Mutex;

/// A value per node slot, for the slots set since the marks were lent.
#[derive(Debug, Default)]
pub(super) struct Marks {
    values: Vec<u32>,
    bits: Vec<u64>,
    set: Vec<u32>,
}

impl Marks {
    fn fit(&mut self, nodes: usize) {
        if self.values.len() < nodes {
            self.values.resize(nodes, 0);
            self.bits.resize(nodes.div_ceil(64), 0);
        }
    }

    fn clear(&mut self) {
        for &node in &self.set {
            if let Some(word) = self.bits.get_mut(node as usize / 64) {
                *word = 0;
            }
        }
        self.set.clear();
    }

    pub(super) fn get(&self, node: u32) -> Option<u32> {
        let word = *self.bits.get(node as usize / 64)?;
        if word & (1 << (node % 64)) == 0 {
            return None;
        }
        self.values.get(node as usize).copied()
    }

    pub(super) fn set(&mut self, node: u32, value: u32) {
        let (Some(word), Some(slot)) = (
            self.bits.get_mut(node as usize / 64),
            self.values.get_mut(node as usize),
        ) else {
            return;
        };
        if *word & (1 << (node % 64)) == 0 {
            *word |= 1 << (node % 64);
            self.set.push(node);
        }
        *slot = value;
    }
}

/// Marks lent to queries.
#[derive(Debug, Default)]
pub(super) struct MarksPool(Mutex<Vec<Marks>>);

impl MarksPool {
    /// Clean marks for `nodes` node slots, returned to the pool when dropped.
    pub(super) fn take(&self, nodes: usize) -> Lent<'_> {
        let mut marks = self.lock().pop().unwrap_or_default();
        marks.fit(nodes);
        Lent { pool: self, marks }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Marks>> {
        // A panic elsewhere cannot leave the pool inconsistent: it only holds spare marks.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.lock()
            .iter()
            .map(|marks| {
                marks.values.capacity() * size_of::<u32>()
                    + marks.bits.capacity() * size_of::<u64>()
                    + marks.set.capacity() * size_of::<u32>()
            })
            .sum()
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
        let mut marks = std::mem::take(&mut self.marks);
        marks.clear();
        self.pool.lock().push(marks);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_from_an_earlier_loan_are_gone() {
        let pool = MarksPool::default();
        {
            let mut marks = pool.take(100);
            marks.set(2, 7);
            marks.set(70, 0);
            marks.set(2, 8);
            assert_eq!(marks.get(2), Some(8));
            assert_eq!(marks.get(70), Some(0));
            assert_eq!(marks.get(1), None);
            assert_eq!(marks.get(900), None);
        }
        let marks = pool.take(200);
        assert_eq!(marks.get(2), None);
        assert_eq!(marks.get(70), None);
    }
}
