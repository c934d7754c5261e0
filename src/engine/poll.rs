//! When to read a task again: aimed at the predicted end of a review from its progress (or its
//! `estimated_time`), never more often than [`PollPolicy::initial`], backing off towards
//! [`PollPolicy::max`] only while nothing predicts the end. Pure: times are passed in.

use std::time::Duration;

/// How review and verification tasks are polled.
#[derive(Debug, Clone, PartialEq)]
pub struct PollPolicy {
    /// First wait, and the shortest wait between two reads of one task.
    pub initial: Duration,
    /// Waits without an estimate grow by this factor...
    pub factor: f64,
    /// ...up to this.
    pub max: Duration,
    /// Polling stops after this long, with a message; `Refresh` starts it again.
    pub deadline: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            initial: Duration::from_secs(2),
            factor: 1.5,
            max: Duration::from_secs(15),
            deadline: Duration::from_secs(30 * 60),
        }
    }
}

impl PollPolicy {
    /// The wait after `wait`, when nothing predicts the end.
    pub fn next(&self, wait: Duration) -> Duration {
        wait.mul_f64(self.factor.max(1.0)).min(self.max)
    }
}

/// Aim a little past the predicted end, so the read finds the task final.
const SLACK: Duration = Duration::from_millis(120);

/// One read of a task: when it happened and what it said.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// When the request left, since polling started.
    pub sent: Duration,
    /// When the answer came, since polling started.
    pub received: Duration,
    /// The task's progress, 0-100.
    pub progress: Option<u8>,
    /// Seconds the task says it still needs.
    pub estimated_secs: Option<f64>,
}

impl Reading {
    /// When the server most likely looked at the task: halfway through the request.
    fn at(&self) -> Duration {
        self.sent + self.received.saturating_sub(self.sent) / 2
    }

    fn round_trip(&self) -> Duration {
        self.received.saturating_sub(self.sent)
    }
}

/// Plans the reads of one task.
#[derive(Debug, Clone)]
pub struct Planner {
    policy: PollPolicy,
    /// Polling started when the task was created (progress 0 then), not after a restart.
    fresh: bool,
    first: Option<Reading>,
    backoff: Duration,
}

impl Planner {
    /// A planner; `fresh` when polling starts as the task is created.
    pub fn new(policy: PollPolicy, fresh: bool) -> Planner {
        let backoff = policy.initial;
        Planner {
            policy,
            fresh,
            first: None,
            backoff,
        }
    }

    /// The wait before the first read.
    pub fn first_wait(&self) -> Duration {
        self.policy.initial
    }

    /// The wait after `reading` (measured from when its answer came) before the next read.
    pub fn next_wait(&mut self, reading: Reading) -> Duration {
        let floor = self.policy.initial.saturating_sub(reading.round_trip());
        let predicted = self.predict(&reading);
        if self.first.is_none() && reading.progress.is_some_and(|p| p > 0) {
            self.first = Some(reading);
        }
        match predicted {
            Some(remaining) => {
                // Send so that the server looks at the task just after the predicted end.
                let lead = reading.round_trip() / 2;
                let until_end =
                    remaining.saturating_sub(reading.received.saturating_sub(reading.at()));
                (until_end + SLACK)
                    .saturating_sub(lead)
                    .min(self.policy.max)
                    .max(floor)
            }
            None => {
                let wait = self.backoff;
                self.backoff = self.policy.next(self.backoff);
                wait.max(floor)
            }
        }
    }

    /// Time still needed, counted from when the server looked (`reading.at()`).
    fn predict(&self, reading: &Reading) -> Option<Duration> {
        if let Some(secs) = reading
            .estimated_secs
            .filter(|s| s.is_finite() && *s >= 0.0)
        {
            return Some(Duration::from_secs_f64(secs.min(3600.0)));
        }
        let progress = f64::from(reading.progress?.min(100));
        if progress >= 100.0 {
            return Some(Duration::ZERO);
        }
        // The rate since the first reading that showed progress, or since creation (0 %).
        let (from_at, from_progress) = match (&self.first, self.fresh) {
            (Some(first), _) if reading.progress > first.progress => {
                (first.at(), f64::from(first.progress.unwrap_or(0)))
            }
            (None, true) if progress > 0.0 => (Duration::ZERO, 0.0),
            _ => return None,
        };
        let elapsed = reading.at().checked_sub(from_at)?.as_secs_f64();
        let rate = (progress - from_progress) / elapsed.max(1e-3);
        if rate <= 0.0 {
            return None;
        }
        Some(Duration::from_secs_f64(
            ((100.0 - progress) / rate).min(3600.0),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn read(sent: u64, received: u64, progress: Option<u8>) -> Reading {
        Reading {
            sent: ms(sent),
            received: ms(received),
            progress,
            estimated_secs: None,
        }
    }

    #[test]
    fn a_steady_review_is_read_again_just_after_its_predicted_end() {
        let mut p = Planner::new(PollPolicy::default(), true);
        // A 6 s review: 33 % at 2 s.
        let wait = p.next_wait(read(1950, 2050, Some(33)));
        let next_look = ms(2050) + wait + ms(50);
        assert!(
            next_look >= ms(6000) && next_look <= ms(6400),
            "{next_look:?}"
        );
    }

    #[test]
    fn without_progress_the_waits_back_off_to_the_maximum() {
        let policy = PollPolicy::default();
        let mut p = Planner::new(policy.clone(), true);
        let mut waits = Vec::new();
        for i in 0..10 {
            waits.push(p.next_wait(read(i * 1000, i * 1000 + 10, None)));
        }
        assert_eq!(waits[0], policy.initial);
        assert!(waits.windows(2).all(|w| w[1] >= w[0]));
        assert_eq!(*waits.last().unwrap(), policy.max);
    }

    #[test]
    fn reads_are_never_closer_than_the_minimum_wait() {
        let policy = PollPolicy::default();
        let mut p = Planner::new(policy.clone(), true);
        // Nearly done: the prediction is "now", yet the next read waits the minimum.
        let wait = p.next_wait(read(2000, 2100, Some(99)));
        assert!(wait + ms(100) >= policy.initial, "{wait:?}");
        let wait = p.next_wait(Reading {
            estimated_secs: Some(0.0),
            ..read(4000, 4100, Some(99))
        });
        assert!(wait + ms(100) >= policy.initial, "{wait:?}");
    }

    #[test]
    fn an_estimate_from_the_task_wins_and_is_capped() {
        let policy = PollPolicy::default();
        let mut p = Planner::new(policy.clone(), false);
        let wait = p.next_wait(Reading {
            estimated_secs: Some(5.0),
            ..read(0, 100, Some(10))
        });
        assert!(wait >= ms(4900) && wait <= ms(5200), "{wait:?}");
        let wait = p.next_wait(Reading {
            estimated_secs: Some(600.0),
            ..read(5000, 5100, Some(20))
        });
        assert_eq!(wait, policy.max);
    }

    #[test]
    fn after_a_restart_the_rate_comes_from_two_readings() {
        let mut p = Planner::new(PollPolicy::default(), false);
        // Resumed mid-review: one reading alone predicts nothing.
        assert_eq!(p.next_wait(read(0, 100, Some(50))), ms(2000));
        // 10 % more in 2.1 s: the 40 % left takes 8.4 s.
        let wait = p.next_wait(read(2100, 2200, Some(60)));
        assert!(wait >= ms(8200) && wait <= ms(8600), "{wait:?}");
    }
}
