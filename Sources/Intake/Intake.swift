// Module Intake.
