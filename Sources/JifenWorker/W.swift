import JifenCore
