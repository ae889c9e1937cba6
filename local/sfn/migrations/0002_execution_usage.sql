-- What an execution used, in the units AWS bills, written when it ends (Express executions keep
-- no history rows to count them from afterwards). NULL for executions that ended before.
ALTER TABLE sfn_executions ADD COLUMN transitions INTEGER;
ALTER TABLE sfn_executions ADD COLUMN lambda_invocations INTEGER;
